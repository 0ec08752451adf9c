"""Attempt rules over HTTP: draws, limits, waits, time limits, saving, pre/post tests,
confidence ratings and review rules."""

import copy
import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import escape

from modules.models import TrainingModulePage
from training.models import Attempt, Completion

from ..conftest import SAMPLE_SPEC, correct_answers, publish_module
from .conftest import start

pytestmark = pytest.mark.django_db


def question_ids_in(html):
    return re.findall(r'name="q-([^"]+)"', html)


def test_a_resumed_attempt_shows_the_same_draw(people, make_module, client):
    module = make_module(draw_count=2)
    client.force_login(people.staff)
    attempt, response = start(client, module)
    first = list(dict.fromkeys(question_ids_in(response.content.decode())))
    assert len(first) == 2 and first == [q["id"] for q in attempt.questions]
    choice_order = re.findall(r'name="q-[^"]+" value="([^"]+)"', response.content.decode())
    client.logout()
    client.force_login(people.staff)  # another session, another device
    again, response = start(client, module)
    assert again.pk == attempt.pk
    html = response.content.decode()
    assert list(dict.fromkeys(question_ids_in(html))) == first
    assert re.findall(r'name="q-[^"]+" value="([^"]+)"', html) == choice_order


def test_maximum_attempts(people, make_module, client):
    module = make_module(max_attempts=2)
    client.force_login(people.staff)
    for _ in range(2):
        attempt, _ = start(client, module)
        client.post(f"/learn/attempts/{attempt.pk}/", {})  # submit blank: fails
    attempt, response = start(client, module)
    assert attempt is None
    assert "You have used all 2 attempts" in response.content.decode()
    assert Attempt.objects.filter(user=people.staff).count() == 2


def test_wait_between_attempts(people, make_module, client):
    module = make_module(attempt_wait_minutes=60)
    client.force_login(people.staff)
    attempt, _ = start(client, module)
    client.post(f"/learn/attempts/{attempt.pk}/", {})
    second, response = start(client, module)
    assert second is None and "You can try again from" in response.content.decode()
    Attempt.objects.filter(pk=attempt.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(minutes=61)
    )
    second, _ = start(client, module)
    assert second is not None and second.pk != attempt.pk


def test_time_limit_is_enforced_on_the_server(people, make_module, client):
    module = make_module(time_limit_minutes=10)
    client.force_login(people.staff)
    attempt, response = start(client, module)
    assert attempt.deadline == attempt.started_at + datetime.timedelta(minutes=10)
    assert "Time limit" in response.content.decode()
    answers = correct_answers(attempt.questions)
    first_q = next(iter(answers))
    client.post(f"/learn/attempts/{attempt.pk}/", {first_q: answers[first_q], "action": "save"})
    # The deadline passes (beyond the minute's grace); a full set of answers arrives late.
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=2)
    )
    response = client.post(f"/learn/attempts/{attempt.pk}/", answers, follow=True)
    attempt.refresh_from_db()
    assert attempt.timed_out and attempt.is_submitted
    assert attempt.correct_count == 1  # only the answer saved in time was graded
    assert not attempt.passed and not Completion.objects.exists()
    assert "Time ran out" in response.content.decode()


def test_an_expired_attempt_is_graded_when_opened(people, make_module, client):
    module = make_module(time_limit_minutes=5)
    client.force_login(people.staff)
    attempt, _ = start(client, module)
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=5)
    )
    response = client.get(f"/learn/attempts/{attempt.pk}/", follow=True)
    attempt.refresh_from_db()
    assert attempt.timed_out and attempt.score_percent == 0
    assert "Your result" in response.content.decode()


def test_saved_answers_come_back_ticked_and_are_not_graded(people, make_module, client):
    module = make_module()
    client.force_login(people.staff)
    attempt, _ = start(client, module)
    q = attempt.questions[0]
    pick = q["choices"][1]["id"]
    response = client.post(
        f"/learn/attempts/{attempt.pk}/", {f"q-{q['id']}": pick, "action": "save"}, follow=True
    )
    assert "Your answers are saved" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.answers == {q["id"]: [pick]} and not attempt.is_submitted
    html = client.get(f"/learn/attempts/{attempt.pk}/").content.decode()
    assert f'value="{pick}" checked' in html


def test_pre_test_comes_first_counts_for_nothing_and_shows_only_the_score(
    people, make_module, client
):
    module = make_module(pretest=True, max_attempts=1)
    client.force_login(people.staff)
    page_html = client.get(module.url).content.decode()
    assert "Take the pre-test" in page_html and "Take the quiz" not in page_html
    attempt, response = start(client, module)
    assert attempt is None and "take the short pre-test" in response.content.decode()

    pre, _ = start(client, module, kind="pre")
    assert pre.kind == "pre"
    response = client.post(
        f"/learn/attempts/{pre.pk}/", correct_answers(pre.questions), follow=True
    )
    html = response.content.decode()
    pre.refresh_from_db()
    assert pre.score_percent == 100 and pre.passed is None
    assert not Completion.objects.exists()
    assert "not counted toward passing" in html and "(best answer)" not in html
    for q in pre.questions:
        assert escape(q["rationale"]) not in html
        assert not any(escape(c["feedback"]) in html for c in q["choices"])
    again, response = start(client, module, kind="pre")
    assert again is None and "already taken" in response.content.decode()

    # The quiz is open now, and the pre-test did not use up the single attempt.
    assert "Take the quiz" in client.get(module.url).content.decode()
    post, _ = start(client, module)
    assert post.kind == "post"
    client.post(f"/learn/attempts/{post.pk}/", correct_answers(post.questions))
    assert Completion.objects.get().attempt_id == post.pk


def test_confidence_per_question_is_recorded_and_validated(people, make_module, client):
    module = make_module(confidence="question")
    client.force_login(people.staff)
    attempt, response = start(client, module)
    q0 = attempt.questions[0]["id"]
    assert f'name="conf-{q0}"' in response.content.decode()
    data = correct_answers(attempt.questions)
    response = client.post(
        f"/learn/attempts/{attempt.pk}/", {**data, f"conf-{q0}": "9"}, follow=True
    )
    assert "Confidence ratings go from 1" in response.content.decode()
    attempt.refresh_from_db()
    assert not attempt.is_submitted
    client.post(f"/learn/attempts/{attempt.pk}/", {**data, f"conf-{q0}": "4"})
    attempt.refresh_from_db()
    assert attempt.confidence == {q0: 4}


def test_confidence_per_skill(people, make_module, client):
    module = make_module(confidence="skill")
    client.force_login(people.staff)
    attempt, response = start(client, module)
    html = response.content.decode()
    assert 'name="conf-recognise"' in html and 'name="conf-refer"' in html
    data = {**correct_answers(attempt.questions), "conf-refer": "2", "conf-respond": "5"}
    client.post(f"/learn/attempts/{attempt.pk}/", data)
    attempt.refresh_from_db()
    assert attempt.confidence == {"refer": 2, "respond": 5}


def _fail(client, module):
    attempt, _ = start(client, module)
    q = attempt.questions[0]
    wrong = next(c for c in q["choices"] if not c["correct"])
    client.post(f"/learn/attempts/{attempt.pk}/", {f"q-{q['id']}": wrong["id"]})
    return attempt, client.get(f"/learn/attempts/{attempt.pk}/").content.decode()


def test_review_rule_score_only_shows_nothing_per_question(people, make_module, client):
    module = make_module(review_after_fail="score")
    client.force_login(people.staff)
    attempt, html = _fail(client, module)
    assert "only your score is shown" in html
    assert "Question 1" not in html and "Your answer" not in html


def test_review_rule_correct_answers_without_feedback(people, make_module, client):
    module = make_module(review_after_fail="answers")
    client.force_login(people.staff)
    attempt, html = _fail(client, module)
    assert "(best answer)" in html
    for q in attempt.questions:
        assert escape(q["rationale"]) not in html
        assert not any(escape(c["feedback"]) in html for c in q["choices"])


def test_review_rule_full_after_a_fail_shows_everything(people, make_module, client):
    module = make_module(review_after_fail="full")
    client.force_login(people.staff)
    attempt, html = _fail(client, module)
    assert "(best answer)" in html and escape(attempt.questions[0]["rationale"]) in html


def test_review_rules_are_those_of_the_attempt_not_todays_module(people, make_module, client):
    module = make_module(review_after_fail="full")
    client.force_login(people.staff)
    attempt, _ = start(client, module)
    page = TrainingModulePage.objects.get(pk=module.pk)
    page.review_after_fail = "score"
    page.save_revision().publish()
    client.post(f"/learn/attempts/{attempt.pk}/", {})
    html = client.get(f"/learn/attempts/{attempt.pk}/").content.decode()
    assert escape(attempt.questions[0]["rationale"]) in html


def test_partial_credit_over_http(people, site, client):
    spec = copy.deepcopy(SAMPLE_SPEC)
    spec.update(slug="partial", title="Partial", pass_mark=50)
    spec["quiz"] = [dict(spec["quiz"][1], scoring="partial")]  # 2 correct of 3
    module = publish_module(site.catalogue, spec)
    client.force_login(people.staff)
    attempt, _ = start(client, module)
    q = attempt.questions[0]
    one_right = next(c["id"] for c in q["choices"] if c["correct"])
    client.post(f"/learn/attempts/{attempt.pk}/", {f"q-{q['id']}": one_right})
    attempt.refresh_from_db()
    assert attempt.score_percent == 50 and attempt.passed
    assert str(attempt.points) == "0.500"


def test_editor_preview_of_the_quiz_records_nothing(people, make_module, client):
    module = make_module(draw_count=2, confidence="question")
    request = module.make_preview_request(None, "quiz")
    html = (
        request.render().content.decode()
        if hasattr(request, "render")
        else request.content.decode()
    )
    assert "Preview." in html and "Nothing is recorded" in html
    assert len(set(question_ids_in(html))) == 2
    assert "disabled" in html and 'name="conf-' in html
    for q in module.quiz_pool():
        assert escape(q["rationale"]) not in html
        assert not any(escape(c["feedback"]) in html for c in q["choices"])
    assert "(best answer)" not in html and "correct" not in html.lower()
    assert not Attempt.objects.exists()


def test_pre_and_post_results_are_paired_per_learner_and_revision(
    people, make_module, client, django_assert_num_queries
):
    from training.evidence import module_evidence

    module = make_module(pretest=True, confidence="skill")
    client.force_login(people.staff)
    pre, _ = start(client, module, kind="pre")
    client.post(f"/learn/attempts/{pre.pk}/", {"conf-refer": "2"})  # blank answers: 0%
    first, _ = start(client, module)
    client.post(f"/learn/attempts/{first.pk}/", {})  # fails
    second, _ = start(client, module)
    client.post(
        f"/learn/attempts/{second.pk}/", {**correct_answers(second.questions), "conf-refer": "4"}
    )
    # Another nurse took only the pre-test: no pair.
    client.force_login(people.other_staff)
    lone, _ = start(client, module, kind="pre")
    client.post(f"/learn/attempts/{lone.pk}/", {})
    with django_assert_num_queries(2):
        pairs = module_evidence(module_id=module.pk).pairs
    assert len(pairs) == 1
    pair = pairs[0]
    assert (pair.user_id, pair.revision_id) == (people.staff.pk, module.live_revision_id)
    assert (pair.pre_score, pair.post_score) == (0, 0)  # the first quiz is the post-test
    assert pair.pre_confidence == 2


def test_expired_attempt_found_by_the_start_button_is_graded_and_shown(people, make_module, client):
    """Regression: grading a timed-out attempt must not be undone by the start rules."""
    module = make_module(time_limit_minutes=10, attempt_wait_minutes=60)
    client.force_login(people.staff)
    attempt, _ = start(client, module)
    client.post(
        f"/learn/attempts/{attempt.pk}/", {**correct_answers(attempt.questions), "action": "save"}
    )
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=5)
    )
    again, response = start(client, module)  # "Resume the quiz" after the time ran out
    assert again.pk == attempt.pk
    again.refresh_from_db()
    assert again.timed_out and again.passed
    assert Completion.objects.get().attempt_id == attempt.pk
    assert "Your result" in response.content.decode()


def test_expired_pre_test_is_graded_and_the_quiz_opens(people, make_module, client):
    module = make_module(pretest=True, time_limit_minutes=5)
    client.force_login(people.staff)
    pre, _ = start(client, module, kind="pre")
    Attempt.objects.filter(pk=pre.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=5)
    )
    again, _ = start(client, module, kind="pre")
    assert again.pk == pre.pk
    again.refresh_from_db()
    assert again.is_submitted and again.timed_out
    post, _ = start(client, module)
    assert post is not None and post.kind == "post"


def test_deactivated_learner_cannot_save_or_finish_by_timing_out(people, make_module, client):
    from training import services

    module = make_module(time_limit_minutes=5)
    client.force_login(people.staff)
    attempt, _ = start(client, module)
    people.staff.staff_profile.active = False
    people.staff.staff_profile.save()
    with pytest.raises(ValidationError, match="Only active staff"):
        services.attempt_save(attempt_id=attempt.pk, user=people.staff, answers={}, confidence=None)
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=5)
    )
    Attempt.objects.filter(pk=attempt.pk).update(
        answers={k[2:]: v for k, v in correct_answers(attempt.questions).items()}
    )
    services.attempt_close_if_expired(attempt_id=attempt.pk, user=people.staff)
    attempt.refresh_from_db()
    assert attempt.is_submitted and attempt.passed
    assert not Completion.objects.exists()  # graded for the record, but no completion


def test_no_pre_test_once_the_quiz_was_attempted(people, make_module, client):
    module = make_module(pretest=True)
    client.force_login(people.staff)
    pre, _ = start(client, module, kind="pre")
    client.post(f"/learn/attempts/{pre.pk}/", {})
    post, _ = start(client, module)
    # The module is republished: a new revision would allow another pre-test, but not now.
    page = TrainingModulePage.objects.get(pk=module.pk)
    page.save_revision().publish()
    again, response = start(client, module, kind="pre")
    assert again is None and "only offered before your first attempt" in response.content.decode()


def test_a_pre_test_finished_after_the_quiz_began_is_not_paired(people, make_module):
    from training.evidence import module_evidence

    module = make_module(pretest=True)
    now = timezone.now()
    base = {
        "user": people.staff,
        "module": module,
        "revision_id": module.live_revision_id,
        "questions": [],
        "pass_mark": 80,
        "score_percent": 50,
    }
    Attempt.objects.create(kind="post", started_at=now, submitted_at=now, **base)
    Attempt.objects.create(
        kind="pre",
        started_at=now + datetime.timedelta(minutes=1),
        submitted_at=now + datetime.timedelta(minutes=2),
        **base,
    )
    assert module_evidence(module_id=module.pk).pairs == []
