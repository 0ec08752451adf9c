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


def test_learner_journey(live_server, live_db, people, new_context, screenshot):
    nurse = people.staff
    base = live_server.url
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
    card = page.locator("article.card").filter(has_text=MODULE_TITLE)
    expect(card).to_have_count(1)
    # Started 10 days ago, due within 30 days: inside the 30-day "due soon" window.
    expect(card.locator(".badge")).to_have_text("Due soon")
    expect(card).to_contain_text(DUE_DATE)
    screenshot(page, "learner-02-dashboard")

    # 3. The module page: lesson, content note, and the way into the quiz.
    card.get_by_role("link", name=MODULE_TITLE).click()
    expect(page).to_have_url(re.compile(rf"{re.escape(base)}/modules/{SAMPLE_SPEC['slug']}/$"))
    expect(page.get_by_role("heading", name=MODULE_TITLE, level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Lesson 1. Engagement cues")).to_be_visible()
    expect(page.get_by_text("Babies signal readiness to interact.")).to_be_visible()
    note = page.get_by_role("complementary", name="Content note")
    expect(note).to_contain_text("Some cases describe babies in pain.")
    expect(page.get_by_text("Required for you").first).to_contain_text(DUE_DATE)
    screenshot(page, "learner-03-module")

    # 4. The quiz. The page does not say which answers are right, so read the key from the
    #    attempt the click just created, then tick exactly those choices by their labels.
    page.get_by_role("button", name="Take the quiz").first.click()
    expect(page).to_have_url(re.compile(rf"{re.escape(base)}/learn/attempts/\d+/$"))
    expect(page.get_by_role("heading", name=f"Quiz: {MODULE_TITLE}")).to_be_visible()
    attempt = Attempt.objects.get(user=nurse, submitted_at__isnull=True)
    questions = attempt.questions
    assert len(questions) == len(SAMPLE_SPEC["quiz"])
    expect(page.locator("fieldset.question")).to_have_count(len(questions))
    screenshot(page, "learner-04-quiz")

    for q in questions:
        for choice in q["choices"]:
            if choice["correct"]:
                page.locator("label.choice").filter(
                    has=page.locator(f'input[name="q-{q["id"]}"][value="{choice["id"]}"]')
                ).click()
    for q in questions:
        for choice in q["choices"]:
            box = page.locator(f'input[name="q-{q["id"]}"][value="{choice["id"]}"]')
            if choice["correct"]:
                expect(box).to_be_checked()
            else:
                expect(box).not_to_be_checked()
    screenshot(page, "learner-05-quiz-answered")
    page.get_by_role("button", name="Submit answers").click()

    # 5. The result: passed, full marks, and a certificate to download.
    expect(page.get_by_role("heading", name="Your result")).to_be_visible()
    badges = page.locator(".card").first.locator(".badge")
    expect(badges).to_have_text(["Passed", "Valid"])  # the result, then the new certificate
    expect(
        page.get_by_text(f"100% — {len(questions)} of {len(questions)} fully correct.")
    ).to_be_visible()
    expect(page.get_by_text("Not correct")).to_have_count(0)
    download_link = page.get_by_role("link", name="Download your certificate (PDF)")
    expect(download_link).to_be_visible()
    screenshot(page, "learner-06-result")

    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert re.fullmatch(r"certificate-[a-z2-7]{8}\.pdf", download.suggested_filename)
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # 6. The dashboard now shows the requirement as completed.
    page.goto(f"{base}/learn/")
    card = page.locator("article.card").filter(has_text=MODULE_TITLE)
    expect(card.locator(".badge")).to_have_text(["Completed", "Valid"])  # training, certificate
    expect(card.get_by_role("link", name="Certificate (PDF)")).to_be_visible()
    screenshot(page, "learner-07-dashboard-passed")

    # 7. Anyone with the code, logged out, can verify the certificate.
    certificate = Certificate.objects.get(user=nurse)
    verifier = new_context().new_page()
    verifier.goto(f"{base}/verify/{certificate.code}/")
    expect(verifier).to_have_url(f"{base}/verify/{certificate.code}/")
    expect(verifier.get_by_role("link", name="Log in")).to_be_visible()  # really logged out
    expect(verifier.get_by_role("heading", name="Certificate verification")).to_be_visible()
    expect(verifier.locator(".verify-status .badge")).to_have_text("Valid")
    expect(verifier.locator("dd").filter(has_text="Amara Okafor")).to_be_visible()
    expect(verifier.get_by_text(MODULE_TITLE)).to_be_visible()
    expect(verifier.get_by_text(certificate.display_code)).to_be_visible()
    screenshot(verifier, "learner-08-verify")
