"""Answers saved as the learner goes (issue 8), over HTTP: the JSON autosave endpoint, the
return to the attempt after logging in again, unanswered questions flagged by the server
before grading, and the quiz page's accessible markup. The browser side is in
tests/browser/test_quiz_autosave.py."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from training.models import Attempt, Completion

from ..conftest import PASSWORD, correct_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(people, module, client):
    client.force_login(people.staff)
    response = client.post(f"/learn/modules/{module.pk}/start/")
    return Attempt.objects.get(pk=int(re.search(r"/attempts/(\d+)/", response["Location"])[1]))


def save_url(attempt):
    return f"/learn/attempts/{attempt.pk}/save/"


def first_pick(attempt, n=0):
    q = attempt.questions[n]
    return q["id"], q["choices"][0]["id"]


# --- the autosave endpoint ---------------------------------------------------------------------


def test_autosave_saves_and_answers_json(attempt, client):
    qid, cid = first_pick(attempt)
    response = client.post(save_url(attempt), {f"q-{qid}": cid})
    assert response.status_code == 200
    data = response.json()
    assert data["saved"] is True and data["answered"] == 1
    assert data["total"] == len(attempt.questions)
    assert re.fullmatch(r"\d{2}:\d{2}", data["saved_time"])
    saved_at = datetime.datetime.fromisoformat(data["saved_at"])
    assert abs(timezone.now() - saved_at) < datetime.timedelta(minutes=1)
    attempt.refresh_from_db()
    assert attempt.answers == {qid: [cid]} and not attempt.is_submitted
    # The quiz page carries the same time, so the page can tell whether answers kept on the
    # device are newer than the server's.
    html = client.get(f"/learn/attempts/{attempt.pk}/").content.decode()
    assert f'data-saved-at="{data["saved_at"]}"' in html
    assert f'value="{cid}" checked' in html
    # Clearing an answer is saved too.
    assert client.post(save_url(attempt), {}).json()["answered"] == 0
    attempt.refresh_from_db()
    assert attempt.answers == {}


def test_autosave_keeps_a_history_of_who_saved(attempt, client, people):
    qid, cid = first_pick(attempt)
    client.post(save_url(attempt), {f"q-{qid}": cid})
    latest = attempt.history.first()
    assert latest.history_user == people.staff and latest.answers == {qid: [cid]}


@pytest.mark.parametrize(
    "bad",
    [
        {"q-not-a-question": "x"},
        "wrong-choice",
        "two-for-single",
    ],
    ids=["unknown question", "unknown choice", "two picks on a single-answer question"],
)
def test_bad_input_is_400_with_a_message_and_changes_nothing(attempt, client, bad):
    qid, cid = first_pick(attempt)
    client.post(save_url(attempt), {f"q-{qid}": cid})
    if bad == "wrong-choice":
        bad = {f"q-{qid}": "not-a-choice"}
    elif bad == "two-for-single":
        single = next(q for q in attempt.questions if q.get("kind") != "multiple")
        bad = {f"q-{single['id']}": [c["id"] for c in single["choices"][:2]]}
    response = client.post(save_url(attempt), bad)
    assert response.status_code == 400
    assert response.json()["saved"] is False and response.json()["error"]
    attempt.refresh_from_db()
    assert attempt.answers == {qid: [cid]}


def test_bad_confidence_is_400(attempt, client):
    response = client.post(save_url(attempt), {"conf-anything": "9"})
    assert response.status_code == 400
    assert "confidence" in response.json()["error"]


def test_a_submitted_attempt_is_409_and_unchanged(attempt, client):
    client.post(f"/learn/attempts/{attempt.pk}/", correct_answers(attempt.questions))
    attempt.refresh_from_db()
    assert attempt.passed
    qid, cid = first_pick(attempt)
    response = client.post(save_url(attempt), {f"q-{qid}": cid})
    assert response.status_code == 409
    data = response.json()
    assert data["submitted"] is True and data["result_url"] == f"/learn/attempts/{attempt.pk}/"
    before = attempt.answers
    attempt.refresh_from_db()
    assert attempt.answers == before


def test_time_running_out_is_409_and_the_grading_is_kept(attempt, client):
    qid, cid = first_pick(attempt)
    client.post(save_url(attempt), {f"q-{qid}": cid})
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=5)
    )
    response = client.post(save_url(attempt), correct_answers(attempt.questions))
    assert response.status_code == 409 and "Time ran out" in response.json()["error"]
    attempt.refresh_from_db()
    assert attempt.is_submitted and attempt.timed_out
    assert attempt.answers[qid] == [cid] and attempt.correct_count <= 1


def test_someone_elses_attempt_is_404(attempt, client, people):
    client.force_login(people.other_staff)
    qid, cid = first_pick(attempt)
    response = client.post(save_url(attempt), {f"q-{qid}": cid})
    assert response.status_code == 404 and response.json()["saved"] is False
    attempt.refresh_from_db()
    assert not attempt.answers


def test_not_logged_in_is_401_json_not_a_redirect(attempt, client):
    client.logout()
    qid, cid = first_pick(attempt)
    response = client.post(save_url(attempt), {f"q-{qid}": cid})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert "log in again" in response.json()["error"].lower()
    attempt.refresh_from_db()
    assert not attempt.answers


def test_a_deactivated_learner_is_403(attempt, client, people):
    people.staff.staff_profile.active = False
    people.staff.staff_profile.save()
    response = client.post(save_url(attempt), {})
    assert response.status_code == 403 and response.json()["saved"] is False


def test_only_post(attempt, client):
    assert client.get(save_url(attempt)).status_code == 405


def test_csrf_is_checked(attempt, people):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people.staff)
    assert strict.post(save_url(attempt), {}).status_code == 403
    strict.get(f"/learn/attempts/{attempt.pk}/")  # sets the CSRF cookie
    token = strict.cookies["csrftoken"].value
    response = strict.post(save_url(attempt), {}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


# --- logging in again returns to the attempt ---------------------------------------------------


def test_after_logging_in_again_the_learner_returns_to_the_attempt(attempt, client, people):
    qid, cid = first_pick(attempt)
    client.post(save_url(attempt), {f"q-{qid}": cid})
    client.logout()
    url = f"/learn/attempts/{attempt.pk}/"
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"
    people.staff.set_password(PASSWORD)
    people.staff.save()
    response = client.post(
        response["Location"], {"username": people.staff.username, "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == url
    html = client.get(url).content.decode()
    assert f'value="{cid}" checked' in html
    # The quiz page offers the login link the script shows when the session has ended.
    assert f'data-login-url="/accounts/login/?next={url}"' in html


def test_module_page_offers_to_resume_an_open_quiz(attempt, client, module):
    html = client.get(module.url).content.decode()
    assert "Resume your quiz" in html and "Take the quiz" not in html
    assert "Your answers so far are saved" in html


# --- unanswered questions, without JavaScript ---------------------------------------------------


def test_submitting_with_unanswered_questions_saves_and_lists_them(attempt, client):
    qid, cid = first_pick(attempt)
    url = f"/learn/attempts/{attempt.pk}/"
    response = client.post(url, {f"q-{qid}": cid, "check_unanswered": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"{url}?unanswered=1#unanswered-alert"
    attempt.refresh_from_db()
    assert not attempt.is_submitted and attempt.answers == {qid: [cid]}
    html = client.get(response["Location"]).content.decode()
    alert = re.search(r'<div class="usa-alert[^"]*" id="unanswered-alert".*?</ul>', html, re.S)
    assert alert and " hidden" not in alert.group(0).split(">")[0]
    links = re.findall(r'<a href="#question-(\d+)">Question (\d+)</a>', alert.group(0))
    assert [int(n) for n, _ in links] == list(range(2, len(attempt.questions) + 1))
    assert "Submit anyway" in html and "Go to question 2" in html
    # Each unanswered question says so in words, not only colour.
    flags = re.findall(r'<p class="quiz-question__flag" data-unanswered-flag( hidden)?>', html)
    assert flags == [" hidden"] + [""] * (len(attempt.questions) - 1)
    # "Submit anyway" grades the answers as they are.
    client.post(url, {f"q-{qid}": cid, "check_unanswered": "1", "confirm_unanswered": "1"})
    attempt.refresh_from_db()
    assert attempt.is_submitted and attempt.passed is False
    assert not Completion.objects.exists()


def test_a_complete_submission_is_graded_at_once(attempt, client):
    answers = correct_answers(attempt.questions)
    client.post(f"/learn/attempts/{attempt.pk}/", {**answers, "check_unanswered": "1"})
    attempt.refresh_from_db()
    assert attempt.is_submitted and attempt.passed


def test_bad_answers_with_unanswered_questions_change_nothing(attempt, client):
    qid, _ = first_pick(attempt)
    response = client.post(
        f"/learn/attempts/{attempt.pk}/",
        {f"q-{qid}": "not-a-choice", "check_unanswered": "1"},
        follow=True,
    )
    assert response.status_code == 200
    assert "usa-alert--error" in response.content.decode()
    attempt.refresh_from_db()
    assert not attempt.is_submitted and not attempt.answers


# --- the quiz page -----------------------------------------------------------------------------


def test_quiz_page_is_built_for_keyboards_and_screen_readers(attempt, client):
    qid, cid = first_pick(attempt)
    client.post(save_url(attempt), {f"q-{qid}": cid})
    html = client.get(f"/learn/attempts/{attempt.pk}/").content.decode()
    total = len(attempt.questions)
    fieldsets = re.findall(r'<fieldset class="usa-fieldset quiz-question[^"]*"[^>]*>', html)
    assert len(fieldsets) == total
    for n in range(1, total + 1):
        assert f'<legend class="usa-legend quiz-question__legend">Question {n} of {total}' in html
        assert f'id="prompt-{n}"' in html and f'aria-describedby="prompt-{n}' in html
    # Every choice is a tile with its own label.
    inputs = re.findall(
        r'<input class="usa-(radio|checkbox)__input usa-\1__input--tile" id="([^"]+)"', html
    )
    assert len(inputs) == sum(len(q["choices"]) for q in attempt.questions)
    for _, input_id in inputs:
        assert f'for="{input_id}"' in html
    assert "data-counter>1 of 4 answered" in html
    assert 'role="status" data-save-status' in html
    assert re.search(r'<script src="/static/js/quiz\.js[^"]*" defer>', html)
    assert 'name="check_unanswered" value="1"' in html


def test_confidence_ratings_are_a_labelled_radio_group(people, site, client):
    from ..conftest import SAMPLE_SPEC, publish_module, require

    spec = {
        **SAMPLE_SPEC,
        "slug": "rated",
        "title": "Rated",
        "quiz_settings": {"confidence": "question"},
    }
    module = publish_module(site.catalogue, spec)
    require(module, roles=[people.nurse_role], due_days=30)
    client.force_login(people.staff)
    response = client.post(f"/learn/modules/{module.pk}/start/", follow=True)
    html = response.content.decode()
    groups = re.findall(
        r'<fieldset class="usa-fieldset quiz-confidence">\s*<legend[^>]*>How confident are you',
        html,
    )
    assert len(groups) == len(SAMPLE_SPEC["quiz"])
    assert 'for="conf1-1">1<span class="usa-sr-only"> – not at all</span>' in html
    assert 'for="conf1-5">5<span class="usa-sr-only"> – very</span>' in html


def test_a_scenario_content_note_comes_before_its_vignette(people, site, client):
    import copy

    from ..conftest import SAMPLE_SPEC, publish_module, require

    spec = copy.deepcopy(SAMPLE_SPEC)
    spec.update(slug="scenes", title="Scenes")
    spec["quiz"].append(
        {
            "type": "scenario",
            "title": "A hard night",
            "setting": "NICU",
            "content_note": "This scenario describes a baby's resuscitation.",
            "vignette": "<p>The monitor alarms at 3 a.m.</p>",
            "questions": [copy.deepcopy(SAMPLE_SPEC["quiz"][0])],
        }
    )
    module = publish_module(site.catalogue, spec)
    require(module, roles=[people.nurse_role], due_days=30)
    client.force_login(people.staff)
    html = client.post(f"/learn/modules/{module.pk}/start/", follow=True).content.decode()
    note = html.index("This scenario describes a baby&#x27;s resuscitation.")
    assert html.index("A hard night") < note < html.index("The monitor alarms at 3 a.m.")
    assert 'aria-label="Content note"' in html and "Read the scenario" in html
