"""The learner journey in a real browser: log in, see what is due, read the module, pass the
quiz, download the certificate, and have someone else verify it.

Runs once at phone size and once at desktop size, saving a full-page screenshot of every step
to test-artifacts/screenshots/ (learner-NN-step-<viewport>.png).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from certificates.models import Certificate
from tests.conftest import PASSWORD, SAMPLE_SPEC
from training.models import Attempt

pytestmark = [pytest.mark.browser]

MODULE_TITLE = SAMPLE_SPEC["title"]
# "due 14 March 2026": a day, a month name, a year.
DUE_DATE = re.compile(r"due \d{1,2} [A-Z][a-z]+ \d{4}")


def test_learner_journey(app_server, committed_db, module, people, new_context, screenshot):
    nurse = people.staff
    base = app_server.url
    page = new_context().new_page()

    # 1. Log in.
    page.goto(f"{base}/accounts/login/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    screenshot(page, "learner-01-login")
    page.locator("input[name=username]").fill(nurse.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # 2. The dashboard lists the required module, not started, with a due date.
    expect(page).to_have_url(f"{base}/learn/")
    expect(page.get_by_role("heading", name="My training", level=1)).to_be_visible()
    expect(page.get_by_text("Amara Okafor · Registered nurse · NICU")).to_be_visible()
    task = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=MODULE_TITLE))
    expect(task).to_have_count(1)
    # Started 10 days ago, due within 30 days: inside the 30-day "due soon" window.
    expect(task.get_by_text("Due soon", exact=True)).to_be_visible()
    expect(task).to_contain_text(DUE_DATE)
    screenshot(page, "learner-02-dashboard")

    # 3. The module page: what it is, the content note, its lessons, the way in.
    task.get_by_role("heading", name=MODULE_TITLE).get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(base)}/modules/{SAMPLE_SPEC['slug']}/$"))
    expect(page.get_by_role("heading", name=MODULE_TITLE, level=1)).to_be_visible()
    note = page.get_by_role("note", name="Content note")
    expect(note).to_contain_text("Some cases describe babies in pain.")
    expect(page.get_by_role("link", name="Lesson 1: Engagement cues")).to_be_visible()
    expect(page.get_by_text("Required for you").first).to_contain_text(DUE_DATE)
    screenshot(page, "learner-03-module")

    # 4. The lesson, one at a time, then on to the quiz.
    page.get_by_role("link", name="Start the lessons").click()
    expect(page).to_have_url(re.compile(rf"/learn/modules/{module.pk}/lessons/1/$"))
    expect(page.get_by_role("heading", name=re.compile("Engagement cues"))).to_be_visible()
    expect(page.get_by_text("Babies signal readiness to interact.")).to_be_visible()
    expect(page.get_by_text("Lena watches her son's face brighten.")).to_be_visible()
    expect(page.get_by_text("Lesson 1 of 1", exact=False).first).to_be_visible()
    screenshot(page, "learner-04-lesson")
    page.get_by_role("link", name="Go to the quiz").click()
    expect(page).to_have_url(re.compile(rf"/modules/{SAMPLE_SPEC['slug']}/#quiz$"))

    # 5. The quiz. The page does not say which answers are right, so read the key from the
    #    attempt the click just created, then tick exactly those choices by their labels.
    page.get_by_role("button", name="Take the quiz").first.click()
    expect(page).to_have_url(re.compile(rf"{re.escape(base)}/learn/attempts/\d+/$"))
    expect(page.get_by_role("heading", name=f"Quiz: {MODULE_TITLE}")).to_be_visible()
    attempt = Attempt.objects.get(user=nurse, submitted_at__isnull=True)
    questions = attempt.questions
    assert len(questions) == len(SAMPLE_SPEC["quiz"])
    expect(page.get_by_role("group", name=re.compile(r"^Question \d+ of \d+"))).to_have_count(
        len(questions)
    )
    expect(page.get_by_text(f"0 of {len(questions)} answered")).to_be_visible()
    screenshot(page, "learner-05-quiz")

    for q in questions:
        for choice in q["choices"]:
            if choice["correct"]:
                page.locator("label").filter(has_text=choice["text"]).click()
    for q in questions:
        for choice in q["choices"]:
            box = page.get_by_label(choice["text"], exact=True)
            if choice["correct"]:
                expect(box).to_be_checked()
            else:
                expect(box).not_to_be_checked()
    expect(page.get_by_text(f"{len(questions)} of {len(questions)} answered")).to_be_visible()
    screenshot(page, "learner-06-quiz-answered")
    page.get_by_role("button", name="Submit answers").click()

    # 6. The result: passed, full marks, and a certificate to download.
    expect(page.get_by_role("heading", name="Your result")).to_be_visible()
    score = page.get_by_role("region", name="Score")
    expect(score.get_by_text("Passed", exact=True)).to_be_visible()
    expect(score.get_by_text("Valid", exact=True)).to_be_visible()  # the new certificate
    expect(score).to_contain_text(f"100% — {len(questions)} of {len(questions)} fully correct.")
    expect(page.get_by_text("Correct", exact=True)).to_have_count(len(questions))
    expect(page.get_by_text("Not correct")).to_have_count(0)
    download_link = page.get_by_role("link", name="Download your certificate (PDF)")
    expect(download_link).to_be_visible()
    screenshot(page, "learner-07-result")

    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert re.fullmatch(r"certificate-[a-z2-7]{8}\.pdf", download.suggested_filename)
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # 7. The dashboard now shows the requirement as completed.
    page.goto(f"{base}/learn/")
    task = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=MODULE_TITLE))
    expect(task.get_by_text("Completed", exact=True)).to_be_visible()
    expect(task.get_by_text("Valid", exact=True)).to_be_visible()
    expect(task.get_by_role("link", name=re.compile(r"^Certificate \(PDF\)"))).to_be_visible()
    screenshot(page, "learner-08-dashboard-passed")

    # 8. Anyone with the code, logged out, can verify the certificate.
    certificate = Certificate.objects.get(user=nurse)
    verifier = new_context().new_page()
    verifier.goto(f"{base}/verify/{certificate.code}/")
    expect(verifier).to_have_url(f"{base}/verify/{certificate.code}/")
    # Really logged out (at phone size the menu holds these behind its button).
    expect(verifier.get_by_role("link", name="Log in", include_hidden=True)).to_have_count(1)
    expect(verifier.get_by_role("button", name="Log out", include_hidden=True)).to_have_count(0)
    expect(verifier.get_by_role("heading", name="Certificate verification")).to_be_visible()
    expect(verifier.get_by_role("heading", name="Valid", exact=True)).to_be_visible()
    expect(verifier.locator("dd").filter(has_text="Amara Okafor")).to_be_visible()
    expect(verifier.locator("dd").filter(has_text=MODULE_TITLE)).to_be_visible()
    expect(verifier.locator("dd").filter(has_text=certificate.display_code)).to_be_visible()
    screenshot(verifier, "learner-09-verify")
