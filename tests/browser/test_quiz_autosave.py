"""Answers saved as the learner goes, in a real browser (static/js/quiz.js): saved on every
change and still ticked after a reload; kept while offline and saved once back online; kept on
the device when the session ends and saved after logging in again, back on the attempt; and
unanswered questions flagged before submitting, with focus moved to the list.

Runs at phone and desktop size; screenshots go to test-artifacts/screenshots/
(quiz-autosave-NN-step-<viewport>.png).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from training.models import Attempt

pytestmark = [pytest.mark.browser]

SAVED = re.compile(r"^Saved at \d{2}:\d{2}$")
AXE = Path(__file__).resolve().parents[2] / "cms/frontend/node_modules/axe-core/axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page):
    """axe-core's WCAG 2.2 AA violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("(tags) => axe.run(document, {runOnly: tags})", WCAG)
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]


def log_in(page, user):
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def nurse_at(new_context, app_server, people, path):
    """A fresh browser with the nurse logged in through the form and sent on to `path`."""
    nurse = people.staff
    nurse.set_password(PASSWORD)
    nurse.save()
    page = new_context().new_page()
    page.goto(f"{app_server.url}/accounts/login/?next={path}")
    log_in(page, nurse)
    return page, nurse


def start_quiz(new_context, app_server, people, module):
    """The nurse on a new quiz attempt at `module`: (page, attempt)."""
    page, nurse = nurse_at(new_context, app_server, people, module.url)
    page.get_by_role("button", name="Take the quiz").first.click()
    return page, Attempt.objects.get(user=nurse, submitted_at__isnull=True)


def pick(page, question, choice):
    """Tick a choice by clicking its label (the tile), as a learner does."""
    box = page.locator(f'input[name="q-{question["id"]}"][value="{choice["id"]}"]')
    page.locator(f'label[for="{box.get_attribute("id")}"]').click()
    return box


def saved_answers(attempt):
    attempt.refresh_from_db()
    return attempt.answers or {}


def test_answers_survive_reloads_dropped_connections_and_ended_sessions(
    app_server, committed_db, people, module, new_context, screenshot
):
    nurse = people.staff
    nurse.set_password(PASSWORD)
    nurse.save()
    base = app_server.url
    context = new_context()
    page = context.new_page()
    save_answers = []  # the status of every autosave the server answered
    page.on("response", lambda r: "/save/" in r.url and save_answers.append(r.status))
    page.goto(f"{base}/accounts/login/?next={module.url}")
    log_in(page, nurse)
    page.get_by_role("button", name="Take the quiz").first.click()
    expect(page).to_have_url(re.compile(rf"{re.escape(base)}/learn/attempts/\d+/$"))
    quiz_url = page.url
    attempt = Attempt.objects.get(user=nurse, submitted_at__isnull=True)
    q1, q2, q3, q4 = attempt.questions
    status = page.locator("[data-save-status]")
    counter = page.locator("[data-counter]")
    expect(counter).to_have_text("0 of 4 answered")

    # 1. An answer is saved on the server as soon as it is ticked: a reload keeps it.
    box = pick(page, q1, q1["choices"][0])
    expect(box).to_be_checked()
    expect(counter).to_have_text("1 of 4 answered")
    expect(status).to_have_text(SAVED)
    assert saved_answers(attempt) == {q1["id"]: [q1["choices"][0]["id"]]}
    page.reload()
    expect(
        page.locator(f'input[name="q-{q1["id"]}"][value="{q1["choices"][0]["id"]}"]')
    ).to_be_checked()
    expect(counter).to_have_text("1 of 4 answered")
    screenshot(page, "quiz-autosave-01-saved")

    # 2. Offline: the answer stays on the device and is saved once the connection is back.
    context.set_offline(True)
    pick(page, q2, q2["choices"][0])
    expect(status).to_have_text(re.compile("you seem to be offline; we will keep trying"))
    assert q2["id"] not in saved_answers(attempt)
    key = f"attune-quiz:{nurse.pk}:{attempt.pk}"
    assert page.evaluate(f"localStorage.getItem('{key}')") is not None
    screenshot(page, "quiz-autosave-02-offline")
    context.set_offline(False)
    expect(status).to_have_text(SAVED)
    assert saved_answers(attempt)[q2["id"]] == [q2["choices"][0]["id"]]
    assert page.evaluate(f"localStorage.getItem('{key}')") is None

    # 3. The session ends (cookie gone): the learner is told, the answer is kept on the device,
    #    and after logging in again they are back on the attempt with it saved.
    context.clear_cookies(name="sessionid")
    pick(page, q3, q3["choices"][-1])
    expect(status).to_contain_text("Your session has ended. Your answers are kept on this device")
    assert q3["id"] not in saved_answers(attempt)
    screenshot(page, "quiz-autosave-03-session-ended")
    status.get_by_role("link", name="Log in again").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    log_in(page, nurse)
    expect(page).to_have_url(quiz_url)
    expect(
        page.locator(f'input[name="q-{q3["id"]}"][value="{q3["choices"][-1]["id"]}"]')
    ).to_be_checked()
    expect(page.locator("[data-save-status]")).to_have_text(SAVED)
    answers = saved_answers(attempt)
    assert answers[q3["id"]] == [q3["choices"][-1]["id"]]
    assert set(answers) == {q1["id"], q2["id"], q3["id"]}
    expect(page.locator("[data-counter]")).to_have_text("3 of 4 answered")

    # 4. Submitting with question 4 unanswered: nothing is submitted; an alert lists it, takes
    #    the focus, and the question says in words that it is not answered.
    page.get_by_role("button", name="Submit answers").click()
    alert = page.locator("#unanswered-alert")
    expect(alert).to_be_visible()
    expect(alert).to_be_focused()
    expect(alert.get_by_role("heading")).to_have_text("Not every question is answered yet")
    expect(alert.locator("[data-unanswered-list] a")).to_have_text(["Question 4"])
    fieldset = page.locator("#question-4")
    expect(fieldset.get_by_text("Not answered yet")).to_be_visible()
    expect(page.locator("#question-1").get_by_text("Not answered yet")).to_be_hidden()
    assert not Attempt.objects.get(pk=attempt.pk).is_submitted
    screenshot(page, "quiz-autosave-04-unanswered")
    assert axe_violations(page) == []
    alert.get_by_role("link", name="Go to question 4").click()
    expect(fieldset.locator("input").first).to_be_focused()

    # Answering it clears the flag and the alert; then the quiz is submitted and graded, and
    # the device forgets the answers it kept.
    pick(page, q4, q4["choices"][0])
    expect(alert).to_be_hidden()
    expect(fieldset.get_by_text("Not answered yet")).to_be_hidden()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("heading", name="Your result")).to_be_visible()
    attempt.refresh_from_db()
    assert attempt.is_submitted and len(attempt.answers) == 4
    assert page.evaluate(f"localStorage.getItem('{key}')") is None
    assert axe_violations(page) == []
    assert 200 in save_answers and not {409, 500} & set(save_answers), save_answers


def test_autosave_stops_once_the_form_is_sent(
    app_server, committed_db, people, module, new_context
):
    """The submitted form carries every answer: a save still pending must not race it (it
    would find the attempt graded). The page is kept from leaving, so that a save sent after
    the submit would be seen."""
    page, attempt = start_quiz(new_context, app_server, people, module)
    saves = []
    page.on("request", lambda r: "/save/" in r.url and saves.append(r.url))
    for question in attempt.questions:
        pick(page, question, question["choices"][0])
    expect(page.locator("[data-save-status]")).to_contain_text("Saved")
    page.evaluate(
        "document.getElementById('quiz-form')"
        ".addEventListener('submit', (event) => event.preventDefault())"
    )
    page.get_by_role("button", name="Submit answers").click()
    sent = len(saves)
    question = attempt.questions[0]
    pick(page, question, question["choices"][1])  # a change after the form went
    page.wait_for_timeout(2000)  # longer than the autosave's delay
    assert len(saves) == sent


def test_enter_in_an_answer_checks_for_unanswered_questions(
    app_server, committed_db, people, module, new_context
):
    """Pressing Enter in a field submits a form with its first submit button: that must be
    the ordinary submit (checked for unanswered questions), never "Submit anyway"."""
    page, attempt = start_quiz(new_context, app_server, people, module)
    first = attempt.questions[0]
    pick(page, first, first["choices"][0])
    page.keyboard.press("Enter")  # focus is on the answer just picked
    alert = page.locator("#unanswered-alert")
    expect(alert).to_be_visible()
    expect(alert).to_be_focused()
    assert not Attempt.objects.get(pk=attempt.pk).is_submitted
    # Without JavaScript the server does the same. (The first page's autosave is let finish
    # and the page closed first: the test database is an in-memory SQLite one, which refuses
    # two writers at once.)
    expect(page.locator("[data-save-status]")).to_contain_text("Saved")
    quiz_url, cookies = page.url, page.context.cookies()
    page.close()
    nojs = new_context()
    nojs.add_cookies(cookies)
    plain = nojs.new_page()
    plain.route("**/*.js", lambda route: route.abort())
    plain.goto(quiz_url)
    radio = plain.locator(f"input[name='q-{first['id']}']").first
    radio.focus()
    plain.keyboard.press("Space")
    plain.keyboard.press("Enter")
    expect(plain.locator("#unanswered-alert")).to_be_visible()
    assert not Attempt.objects.get(pk=attempt.pk).is_submitted


def test_submit_anyway_grades_with_questions_unanswered(
    app_server, committed_db, people, module, new_context
):
    page, attempt = start_quiz(new_context, app_server, people, module)
    first = attempt.questions[0]
    pick(page, first, first["choices"][0])
    expect(page.locator("[data-save-status]")).to_have_text(SAVED)
    page.keyboard.press("End")
    # The in-memory SQLite test database refuses two writers at once: let the autosave land.
    expect(page.locator("[data-save-status]")).to_contain_text("Saved")
    page.get_by_role("button", name="Submit answers").click()
    alert = page.locator("#unanswered-alert")
    expect(alert).to_be_focused()
    expect(alert.locator("[data-unanswered-list] a")).to_have_text(
        ["Question 2", "Question 3", "Question 4"]
    )
    for n in (2, 3, 4):
        expect(page.locator(f"#question-{n}").get_by_text("Not answered yet")).to_be_visible()
    # Keyboard only: from the alert, Tab to "Submit anyway" and press Enter.
    alert.get_by_role("button", name="Submit anyway").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your result")).to_be_visible()
    attempt.refresh_from_db()
    assert attempt.is_submitted and attempt.passed is False


def test_a_practice_round_from_the_module_page(
    app_server, committed_db, people, module, new_context, screenshot
):
    page, nurse = nurse_at(new_context, app_server, people, module.url)
    assert axe_violations(page) == []
    page.get_by_role("button", name="Practise first (doesn't count)").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Practice: {module.title}")
    expect(page.get_by_text("This practice round doesn't count.")).to_be_visible()
    attempt = Attempt.objects.get(user=nurse, submitted_at__isnull=True)
    assert attempt.kind == Attempt.Kind.PRACTICE
    for q in attempt.questions:
        for choice in q["choices"]:
            if choice["correct"]:
                pick(page, q, choice)
    expect(page.locator("[data-save-status]")).to_have_text(SAVED)
    assert axe_violations(page) == []
    screenshot(page, "quiz-practice-01-quiz")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("heading", name="Your practice round")).to_be_visible()
    expect(page.get_by_text("Practice: this round doesn't count")).to_be_visible()
    expect(page.get_by_text("in the quiz, this score would pass")).to_be_visible()
    expect(page.get_by_text("(best answer)")).to_have_count(0)
    assert axe_violations(page) == []
    screenshot(page, "quiz-practice-02-result")
    attempt.refresh_from_db()
    assert attempt.score_percent == 100 and attempt.passed is None
    assert not nurse.completions.exists()


def test_logging_out_forgets_answers_kept_on_the_device(
    app_server, committed_db, people, module, new_context
):
    """On a shared workstation the next person must not find the last one's quiz answers."""
    page, _nurse = nurse_at(new_context, app_server, people, "/learn/")
    page.evaluate(
        "localStorage.setItem('attune-quiz:1:2', '{}'); localStorage.setItem('other-app', 'x')"
    )
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():
        menu.click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()
    assert page.evaluate("localStorage.getItem('attune-quiz:1:2')") is None
    assert page.evaluate("localStorage.getItem('other-app')") == "x"
