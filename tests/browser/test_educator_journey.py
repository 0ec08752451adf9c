"""The educator's journey in a real browser: write a module in the Wagtail admin, submit it to
the "Module review" workflow, have an education lead approve it (which publishes it), and see
it in the catalogue as a member of staff.

Educators may not publish (cms/site_setup.py): they submit for moderation and the lead's
approval publishes. Runs at phone and desktop size; screenshots educator-NN-step-<viewport>.png.
The admin is Wagtail's own markup, so its fields are found by their form names.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from modules.models import TrainingModulePage
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser]

TITLE = "Holding during procedures"
SLUG = "holding-during-procedures"
EDIT_URL = re.compile(r"/admin/pages/\d+/edit/$")


def admin_login(page, base: str, user) -> None:
    page.goto(f"{base}/admin/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/admin/")


def write_module(page) -> None:
    """Fill in the editor: title, summary, a lesson with text, a single-answer question."""
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_summary").fill("How parents can comfort their baby during a heel stick.")

    lessons = page.locator("#panel-child-content-lessons-section")
    lessons.get_by_role("button", name="Insert a block").first.click()
    page.locator("[name='lessons-0-value-title']").fill("Parents as comforters")
    # The lesson's own content stream (its "body" child): its first "Insert a block" offers
    # the block types. Found by content path, not position: until the new lesson's inner
    # stream is drawn, the second button on the panel is the outer stream's, which inserts
    # another lesson straight away (the outer stream has one block type).
    body = lessons.locator("[data-contentpath='body']").first
    body.get_by_role("button", name="Insert a block").first.click()
    page.get_by_role("option", name="Text").click()
    lessons.locator("[contenteditable=true]").first.click()
    page.keyboard.type("Skin-to-skin holding lowers a baby's pain response.")

    quiz = page.locator("#panel-child-content-quiz-section")
    quiz.get_by_role("button", name="Insert a block").first.click()
    page.get_by_role("option", name="Question", exact=True).click()
    quiz.locator("[contenteditable=true]").first.click()
    page.keyboard.type("A mother asks how to help during a heel stick. Best next step?")

    def field(name):
        return page.locator(f"[name='quiz-0-value-{name}']")

    field("rationale").fill("Parents as comforters: skin-to-skin or holding.")
    # A question starts with one choice; it needs two.
    quiz.get_by_role("button", name="Add", exact=True).last.click()
    field("choices-0-value-text").fill("Offer skin-to-skin holding")
    field("choices-0-value-correct").check()
    field("choices-0-value-feedback").fill("Yes: holding comforts.")
    field("choices-1-value-text").fill("Ask her to leave")
    field("choices-1-value-feedback").fill("Not by default.")


def wait_for_autosave(page) -> None:
    """Wagtail saves a new page as a draft while it is being written and moves the editor to
    the page's edit URL; submitting before then would create the page a second time."""
    try:
        page.wait_for_url(EDIT_URL, timeout=20_000)
    except PlaywrightTimeoutError:
        return  # autosave is off: the add form creates the page when submitted
    expect(page.get_by_text("Saving…").locator("visible=true")).to_have_count(0, timeout=20_000)


def test_educator_writes_a_module_and_the_lead_publishes_it(
    app_server, committed_db, site, people, new_context, screenshot
):
    base = app_server.url

    # 1. The educator writes the module under the catalogue and submits it for review.
    page = new_context().new_page()
    admin_login(page, base, people.educator)
    page.goto(f"{base}/admin/pages/add/modules/trainingmodulepage/{site.catalogue.pk}/")
    expect(page.locator("#id_title")).to_be_visible()
    write_module(page)
    wait_for_autosave(page)
    screenshot(page, "educator-01-editor")
    page.get_by_role("button", name="More actions").click()
    expect(page.get_by_role("button", name="Publish")).to_have_count(0)  # not theirs to do
    with page.expect_navigation():
        page.get_by_role("button", name="Submit to Module review").click()
    expect(page.get_by_text(f"Page '{TITLE}' has been submitted for moderation.")).to_be_visible()
    screenshot(page, "educator-02-submitted")

    module = TrainingModulePage.objects.get(slug=SLUG)
    assert module.workflow_in_progress and not module.live
    assert module.current_workflow_task.name == "Education lead approval"
    draft = module.get_latest_revision_as_object()
    assert [c["text"] for c in draft.quiz_pool()[0]["choices"]] == [
        "Offer skin-to-skin holding",
        "Ask her to leave",
    ]
    assert draft.lessons[0].value["title"] == "Parents as comforters"

    # Not yet in the catalogue.
    learner = new_context()
    learner_page = learner.new_page()
    learner_page.goto(f"{base}/accounts/login/")
    learner_page.locator("input[name=username]").fill(people.staff.username)
    learner_page.locator("input[name=password]").fill(PASSWORD)
    with learner_page.expect_navigation():
        learner_page.get_by_role("button", name="Log in").click()
    learner_page.goto(f"{base}/modules/")
    expect(learner_page.get_by_role("link", name=TITLE)).to_have_count(0)

    # 2. The education lead finds it awaiting review on the admin dashboard and approves it.
    lead_page = new_context().new_page()
    admin_login(lead_page, base, people.lead)
    expect(lead_page.get_by_text("Awaiting your review")).to_be_visible()
    row = lead_page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_have_count(1)
    screenshot(lead_page, "educator-03-lead-review")
    row.get_by_role("button", name="Actions").click()
    row.get_by_role("button", name="Approve", exact=True).click()
    expect(lead_page.get_by_role("row").filter(has_text=TITLE)).to_have_count(0)
    screenshot(lead_page, "educator-04-approved")

    module.refresh_from_db()
    assert module.live and not module.workflow_in_progress
    assert module.live_revision.user == people.educator

    # 3. Staff see it in the catalogue and can open it.
    learner_page.goto(f"{base}/modules/")
    link = learner_page.get_by_role("link", name=TITLE)
    expect(link).to_be_visible()
    screenshot(learner_page, "educator-05-catalogue")
    link.click()
    expect(learner_page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(learner_page.get_by_text("Parents as comforters").first).to_be_visible()
    screenshot(learner_page, "educator-06-module")
