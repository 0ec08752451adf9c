"""The learner's journey over HTTP: dashboard, module page, quiz, result, completion."""

import datetime
import re

import pytest
from django.utils import timezone
from django.utils.html import escape

from modules.models import TrainingModulePage
from training import services
from training.models import Attempt, Completion

from ..conftest import correct_answers

pytestmark = pytest.mark.django_db


def start(client, module):
    response = client.post(f"/learn/modules/{module.pk}/start/")
    assert response.status_code == 302
    return Attempt.objects.get(
        pk=int(re.search(r"/learn/attempts/(\d+)/", response["Location"])[1])
    )


def test_dashboard_lists_required_module_with_status_and_due_date(people, module, login):
    # Effective a year ago, due within 30 days; the nurse started 5 days ago: due in 25 days,
    # inside the 30-day "due soon" window.
    profile = people.staff.staff_profile
    profile.start_date = timezone.localdate() - datetime.timedelta(days=5)
    profile.save()
    services.assignments_sync(user_ids=[people.staff.pk])  # as the HR import or editor does
    html = login(people.staff).get("/learn/").content.decode()
    due = timezone.localdate() + datetime.timedelta(days=25)
    assert module.title in html
    assert "Due soon" in html and f"due {due.strftime('%-d %B %Y')}" in html


def test_overdue_when_due_date_has_passed(people, module, login):
    profile = people.staff.staff_profile
    profile.start_date = timezone.localdate() - datetime.timedelta(days=400)
    profile.save()
    services.assignments_sync(user_ids=[people.staff.pk])
    html = login(people.staff).get("/learn/").content.decode()
    assert "Overdue" in html


def test_module_not_required_for_role_is_not_on_dashboard(people, module, login):
    html = login(people.physician).get("/learn/").content.decode()
    assert module.title not in html
    assert "Nothing is required for you" in html


def test_module_page_shows_lessons_and_leads_to_quiz(people, module, login):
    client = login(people.staff)
    html = client.get(module.url).content.decode()
    assert "Engagement cues" in html  # lesson title
    assert "Content note" in html
    assert "Take the quiz" in html
    assert f"/learn/modules/{module.pk}/start/" in html


def test_no_learner_page_before_submission_reveals_the_key(people, module, login):
    client = login(people.staff)
    attempt = start(client, module)
    quiz_html = client.get(f"/learn/attempts/{attempt.pk}/").content.decode()
    module_html = client.get(module.url).content.decode()
    dashboard_html = client.get("/learn/").content.decode()
    for q in attempt.questions:
        for c in q["choices"]:
            for page_html in (module_html, dashboard_html):
                assert escape(c["feedback"]) not in page_html
        assert escape(q["rationale"]) not in module_html
    html = quiz_html
    for q in attempt.questions:
        assert f'name="q-{q["id"]}"' in html
        for c in q["choices"]:
            assert escape(c["text"]) in html
            assert escape(c["feedback"]) not in html
        assert escape(q["rationale"]) not in html
    assert "correct" not in html.lower()
    assert "best answer" not in html.lower()


def test_passing_records_a_completion_pinned_to_the_revision(people, module, login):
    client = login(people.staff)
    attempt = start(client, module)
    response = client.post(f"/learn/attempts/{attempt.pk}/", correct_answers(attempt.questions))
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.passed and attempt.score_percent == 100
    completion = Completion.objects.get(user=people.staff, module=module)
    assert completion.revision_id == module.live_revision_id == attempt.revision_id
    assert completion.completed_on == timezone.localdate()
    html = client.get(f"/learn/attempts/{attempt.pk}/").content.decode()
    assert "Passed" in html and "Download your certificate" in html
    # Feedback and rationale appear once the attempt is graded.
    assert escape(attempt.questions[0]["rationale"]) in html
    assert "Completed" in client.get("/learn/").content.decode()


def test_failing_shows_what_was_wrong_but_not_the_answer_key(people, module, login):
    client = login(people.staff)
    attempt = start(client, module)
    q = attempt.questions[0]
    wrong = next(c for c in q["choices"] if not c["correct"])
    right = next(c for c in q["choices"] if c["correct"])
    client.post(f"/learn/attempts/{attempt.pk}/", {f"q-{q['id']}": wrong["id"]})
    attempt.refresh_from_db()
    assert attempt.passed is False and attempt.correct_count == 0
    assert not Completion.objects.exists()
    html = client.get(f"/learn/attempts/{attempt.pk}/").content.decode()
    assert "Not passed yet" in html and "Not answered" in html and "Not correct" in html
    # The default rule after a fail is "which questions were right": the learner sees their
    # own pick, but no feedback and nothing that gives the key away.
    assert "Your answer:</strong> " + escape(wrong["text"]) in html
    assert escape(wrong["feedback"]) not in html
    assert escape(right["feedback"]) not in html
    assert "(best answer)" not in html
    for q in attempt.questions:
        assert escape(q["rationale"]) not in html
    second = start(client, module)
    assert second.pk != attempt.pk


def test_start_resumes_the_unfinished_attempt(people, module, login):
    client = login(people.staff)
    first = start(client, module)
    assert start(client, module).pk == first.pk
    assert Attempt.objects.count() == 1


def test_second_submission_is_refused_and_records_nothing_more(people, module, login):
    client = login(people.staff)
    attempt = start(client, module)
    answers = correct_answers(attempt.questions)
    client.post(f"/learn/attempts/{attempt.pk}/", answers)
    response = client.post(f"/learn/attempts/{attempt.pk}/", answers, follow=True)
    html = response.content.decode()
    assert "already submitted and graded" in html and "usa-alert--info" in html
    assert "Your result" in html  # the same result, shown again
    assert Completion.objects.count() == 1
    assert Attempt.history.filter(id=attempt.pk).count() == 2  # created, graded — nothing more


@pytest.mark.parametrize(
    "tamper",
    ["unknown_choice", "other_question_choice", "unknown_question", "two_for_single"],
)
def test_tampered_input_gets_a_message_and_records_nothing(people, module, login, tamper):
    client = login(people.staff)
    attempt = start(client, module)
    data = correct_answers(attempt.questions)
    q0, q1 = attempt.questions[0], attempt.questions[1]
    if tamper == "unknown_choice":
        data[f"q-{q0['id']}"] = ["not-a-choice"]
    elif tamper == "other_question_choice":
        data[f"q-{q0['id']}"] = [q1["choices"][0]["id"]]
    elif tamper == "unknown_question":
        data["q-00000000-0000-0000-0000-000000000000"] = [q0["choices"][0]["id"]]
    else:
        data[f"q-{q0['id']}"] = [c["id"] for c in q0["choices"][:2]]
    response = client.post(f"/learn/attempts/{attempt.pk}/", data, follow=True)
    assert response.status_code == 200
    assert "usa-alert--error" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and attempt.answers is None
    assert not Completion.objects.exists()


def test_editing_the_module_never_changes_a_started_attempt(people, module, login):
    client = login(people.staff)
    attempt = start(client, module)
    answers = correct_answers(attempt.questions)
    # The educator flips the answer key of question 1 and publishes a new revision.
    page = TrainingModulePage.objects.get(pk=module.pk)
    raw = page.quiz.raw_data
    for choice in raw[0]["value"]["choices"]:
        choice["value"]["correct"] = not choice["value"]["correct"]
    page.quiz = raw
    page.save_revision().publish()
    page.refresh_from_db()
    client.post(f"/learn/attempts/{attempt.pk}/", answers)
    attempt.refresh_from_db()
    assert attempt.passed and attempt.score_percent == 100
    assert Completion.objects.get().revision_id == attempt.revision_id != page.live_revision_id


def test_cannot_start_again_after_passing(people, module, login):
    client = login(people.staff)
    attempt = start(client, module)
    client.post(f"/learn/attempts/{attempt.pk}/", correct_answers(attempt.questions))
    response = client.post(f"/learn/modules/{module.pk}/start/", follow=True)
    assert "already passed" in response.content.decode()
    assert Attempt.objects.count() == 1


def test_someone_elses_attempt_is_not_found(people, module, login):
    attempt = start(login(people.staff), module)
    client = login(people.other_staff)
    assert client.get(f"/learn/attempts/{attempt.pk}/").status_code == 404
    data = correct_answers(attempt.questions)
    assert client.post(f"/learn/attempts/{attempt.pk}/", data).status_code == 404
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_unpublished_module_cannot_be_started(people, module, login):
    module.unpublish()
    response = login(people.staff).post(f"/learn/modules/{module.pk}/start/")
    assert response.status_code == 404
    assert not Attempt.objects.exists()


def test_get_on_start_is_not_allowed(people, module, login):
    assert login(people.staff).get(f"/learn/modules/{module.pk}/start/").status_code == 405


def test_deactivated_staff_cannot_submit_an_open_attempt(people, module, login):
    client = login(people.staff)
    attempt = start(client, module)
    people.staff.staff_profile.active = False
    people.staff.staff_profile.save()
    response = client.post(f"/learn/attempts/{attempt.pk}/", correct_answers(attempt.questions))
    assert response.status_code == 403
    assert client.get(f"/learn/attempts/{attempt.pk}/").status_code == 403
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and not Completion.objects.exists()


def test_a_quiz_with_a_question_lacking_a_correct_choice_cannot_be_started(people, module, login):
    # Content loaded outside the editor (files, scripts) skips block validation.
    page = TrainingModulePage.objects.get(pk=module.pk)
    raw = page.quiz.raw_data
    for choice in raw[0]["value"]["choices"]:
        choice["value"]["correct"] = False
    page.quiz = raw
    page.save_revision().publish()
    response = login(people.staff).post(f"/learn/modules/{module.pk}/start/", follow=True)
    assert "cannot be taken yet: Question 1 has no correct choice" in response.content.decode()
    assert not Attempt.objects.exists()
