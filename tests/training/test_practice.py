"""Practice rounds that don't count (issue 8): any time, unlimited, no time limit, no pre-test
needed; never a completion, an attempt used, a wait, a status change or a line in any report;
and a review no fuller than after a failed quiz."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from django.utils.html import escape

from certificates.models import Certificate
from training import evidence, services
from training.item_analysis import item_analysis, modules_with_attempt_counts
from training.models import Assignment, Attempt, Completion

from ..conftest import correct_answers, publish_module, require
from ..factories import StaffProfileFactory, UserFactory
from .conftest import spec_with, start

pytestmark = pytest.mark.django_db


PRACTICE_TITLE = "Cue reading drill"


@pytest.fixture
def make_module(make_module):
    """The shared factory, under this file's module title."""
    return lambda **settings: make_module(title=PRACTICE_TITLE, **settings)


@pytest.fixture
def later_module(site, people):
    """Required for nurses, due in 120 days: "not started" until someone starts it."""
    page = publish_module(site.catalogue, spec_with(title=PRACTICE_TITLE))
    require(page, roles=[people.nurse_role], due_days=120)
    return page


def practise(client, module, *, correct=True):
    """Start a practice round and submit it (all right, or all blank); returns the attempt."""
    attempt, response = start(client, module, "practice")
    assert attempt is not None, response.content.decode()
    assert attempt.kind == Attempt.Kind.PRACTICE
    answers = correct_answers(attempt.questions) if correct else {}
    client.post(f"/learn/attempts/{attempt.pk}/", answers)
    attempt.refresh_from_db()
    assert attempt.is_submitted
    return attempt


def fail_quiz(client, module):
    attempt, response = start(client, module)
    assert attempt is not None, response.content.decode()
    client.post(f"/learn/attempts/{attempt.pk}/", {})
    return attempt


# --- taking a practice round -------------------------------------------------------------------


def test_module_page_offers_practice_next_to_the_quiz(people, module, login):
    html = login(people.staff).get(module.url).content.decode()
    assert "Take the quiz" in html and "Practise first (doesn't count)" in html
    assert 'name="kind" value="practice"' in html


def test_practice_is_graded_but_never_completes_the_module(people, module, login):
    client = login(people.staff)
    attempt = practise(client, module, correct=True)
    assert attempt.score_percent == 100 and attempt.correct_count == len(attempt.questions)
    assert attempt.passed is None
    assert not Completion.objects.exists() and not Certificate.objects.exists()
    assignment = Assignment.objects.get(user=people.staff, current=True)
    assert assignment.completed_on is None
    html = client.get(f"/learn/attempts/{attempt.pk}/").content.decode()
    assert "Your practice round" in html and "this round doesn't count" in html
    assert "100%" in html and "in the quiz, this score would pass" in html
    assert "Passed" not in html and "Download your certificate" not in html
    # The module page still invites the real quiz.
    assert "Take the quiz" in client.get(module.url).content.decode()


def test_practice_shows_the_score_only_until_the_quiz_is_passed(people, make_module, login):
    # Practice draws on the quiz's own pool and can be repeated without limit: any review per
    # question (even right/wrong) would give the key away over a few rounds. So before a pass
    # it shows the score only, even a perfect score, whatever the module allows after a fail.
    module = make_module(review_after_fail="answers", review_after_pass="full")
    client = login(people.staff)
    attempt = practise(client, module, correct=True)
    html = client.get(f"/learn/attempts/{attempt.pk}/").content.decode()
    assert "100%" in html and "until you pass the quiz" in html
    assert "Question 1:" not in html and "Your answer" not in html
    assert "(best answer)" not in html
    for q in attempt.questions:
        assert escape(q["rationale"]) not in html
        assert not any(escape(c["feedback"]) in html for c in q["choices"])


def test_after_passing_practice_shows_what_a_pass_showed(people, make_module, login):
    module = make_module(review_after_fail="score", review_after_pass="full")
    client = login(people.staff)
    quiz, _ = start(client, module)
    client.post(f"/learn/attempts/{quiz.pk}/", correct_answers(quiz.questions))
    assert Completion.objects.filter(user=people.staff, module=module).exists()
    attempt = practise(client, module, correct=False)
    html = client.get(f"/learn/attempts/{attempt.pk}/").content.decode()
    assert "Question 1:" in html and "(best answer)" in html
    assert escape(attempt.questions[0]["rationale"]) in html


def test_practice_has_no_time_limit_and_no_confidence_ratings(people, make_module, login):
    module = make_module(time_limit_minutes=10, confidence="question")
    client = login(people.staff)
    attempt, response = start(client, module, "practice")
    assert attempt.deadline is None and attempt.rules["time_limit_minutes"] == 0
    html = response.content.decode()
    assert "Time limit" not in html and 'name="conf-' not in html
    assert "Practice: Cue reading drill" in html and "practice round doesn't count" in html


def test_practice_waits_for_the_pretest(people, make_module, login):
    """The pre-test measures what the learner knew before: practising first would spoil it,
    so the server refuses (the module page does not offer it either), and changes nothing."""
    module = make_module(pretest=True)
    client = login(people.staff)
    assert "Practise first" not in client.get(module.url).content.decode()
    attempt, response = start(client, module, "practice")
    assert attempt is None and "take the short pre-test first" in response.content.decode()
    assert not Attempt.objects.filter(user=people.staff).exists()
    pre, _ = start(client, module, "pre")
    client.post(f"/learn/attempts/{pre.pk}/", {})
    assert practise(client, module).kind == Attempt.Kind.PRACTICE


def test_practice_waits_while_a_quiz_attempt_is_open(people, module, login):
    client = login(people.staff)
    quiz, _ = start(client, module)
    attempt, response = start(client, module, "practice")
    assert attempt is None and "You have a quiz in progress" in response.content.decode()
    assert not Attempt.objects.filter(kind=Attempt.Kind.PRACTICE).exists()
    client.post(f"/learn/attempts/{quiz.pk}/", {})
    assert practise(client, module).kind == Attempt.Kind.PRACTICE


def test_practice_is_unlimited_and_ignores_attempt_limits_and_waits(people, make_module, login):
    module = make_module(max_attempts=1, attempt_wait_minutes=60)
    client = login(people.staff)
    for _ in range(3):
        practise(client, module, correct=False)
    # Three practice rounds used neither the one attempt nor started the wait.
    fail_quiz(client, module)
    again, response = start(client, module)
    assert again is None and "You have used all 1 attempts" in response.content.decode()
    # Out of real attempts, practice is still there.
    assert practise(client, module).kind == Attempt.Kind.PRACTICE


def test_practice_after_passing(people, module, login):
    client = login(people.staff)
    attempt, _ = start(client, module)
    client.post(f"/learn/attempts/{attempt.pk}/", correct_answers(attempt.questions))
    assert Completion.objects.count() == 1
    html = client.get(module.url).content.decode()
    assert "Practise again (doesn't count)" in html
    practise(client, module)
    assert Completion.objects.count() == 1 and Certificate.objects.count() == 1


def test_an_open_practice_round_is_resumed_not_duplicated(people, module, login):
    client = login(people.staff)
    first, _ = start(client, module, "practice")
    second, _ = start(client, module, "practice")
    assert first.pk == second.pk
    # ... and it does not stand in for the quiz: the quiz is its own attempt.
    quiz, _ = start(client, module)
    assert quiz.kind == Attempt.Kind.POST and quiz.pk != first.pk


def test_someone_elses_practice_round_is_404(people, module, login):
    attempt = practise(login(people.other_staff), module)
    client = login(people.staff)
    assert client.get(f"/learn/attempts/{attempt.pk}/").status_code == 404
    assert client.post(f"/learn/attempts/{attempt.pk}/save/", {}).status_code == 404


# --- practice is left out of every report ------------------------------------------------------


def nurse(username, people):
    return StaffProfileFactory(
        user=UserFactory(username=username), role=people.nurse_role, unit=people.nicu
    ).user


def practice_rows(module, user, count=2):
    """Submitted practice rounds made through the services."""
    for _ in range(count):
        attempt = services.attempt_start(user=user, module=module, kind=Attempt.Kind.PRACTICE)
        services.attempt_submit(
            attempt_id=attempt.pk,
            user=user,
            answers={k[2:]: v for k, v in correct_answers(attempt.questions).items()},
        )


def stored_practice_row(module, user):
    """A submitted, fully correct practice round written straight to the table."""
    from django.utils import timezone

    from modules.draw import draw_questions

    questions = draw_questions(module.quiz_pool(), settings=module.draw_settings())
    Attempt.objects.create(
        user=user,
        module=module,
        kind=Attempt.Kind.PRACTICE,
        revision_id=module.live_revision_id,
        questions=questions,
        pass_mark=module.pass_mark,
        answers={k[2:]: v for k, v in correct_answers(questions).items()},
        correct_count=len(questions),
        score_percent=100,
        submitted_at=timezone.now(),
    )


def snapshot(module, people, client):
    """Everything the reports say about the module and the NICU nurses."""
    client.force_login(people.lead)
    counts = modules_with_attempt_counts().get(pk=module.pk)
    analysis = item_analysis(module=module)
    data = evidence.module_evidence(module_id=module.pk)
    return {
        "evidence": (data.overall.summary.n, data.overall.mean_change),
        "evidence_page": _without_tokens(client.get(f"/reports/evidence/{module.pk}/")),
        "items": (analysis.attempts, analysis.pre_attempts, [i.responses for i in analysis.items]),
        "counts": (counts.quiz_attempts, counts.pretest_attempts, counts.last_submitted_at),
        "unit": _statuses(client.get(f"/reports/units/{people.nicu.pk}/").content.decode()),
        "person": client.get(f"/reports/people/{people.staff.pk}/")
        .content.decode()
        .count("Practice"),
    }


def _without_tokens(response):
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def _statuses(html):
    return sorted(re.findall(r'class="attune-status status-(\w+)"', html))


def test_practice_changes_no_report_or_statistic(people, make_module, client):
    module = make_module(pretest=True)
    # Real data: two learners with a pre-test and a quiz, so every report has something.
    for name in ("n1", "n2"):
        user = nurse(name, people)
        for kind in (Attempt.Kind.PRE, Attempt.Kind.POST):
            attempt = services.attempt_start(user=user, module=module, kind=kind)
            services.attempt_submit(attempt_id=attempt.pk, user=user, answers={})
    before = snapshot(module, people, client)
    assert before["items"][0] == 2 and before["items"][1] == 2
    # Practice by learners with and without real attempts. The service offers practice only
    # after the pre-test, so rounds by people without one are stored as they would have been
    # before that rule (reports must ignore practice rows however they came).
    stored_practice_row(module, people.staff)  # nothing else: must still be "not started"
    stored_practice_row(module, nurse("n3", people))  # practice only
    practice_rows(module, Attempt.objects.filter(kind="post").first().user, count=1)
    after = snapshot(module, people, client)
    assert Attempt.objects.filter(kind=Attempt.Kind.PRACTICE, submitted_at__isnull=False).count()
    assert after == before


def test_practice_rows_are_ignored_by_the_pure_statistics(people, module):
    # The selectors filter practice out; the pure functions ignore it too if handed it.
    row = {
        "module_id": module.pk,
        "user_id": people.staff.pk,
        "revision_id": module.live_revision_id,
        "kind": Attempt.Kind.PRACTICE,
        "score_percent": 100,
        "confidence": None,
        "started_at": timezone.now(),
        "submitted_at": timezone.now(),
        "role": "Registered nurse",
        "unit": "NICU",
    }
    pre = {**row, "kind": Attempt.Kind.PRE, "score_percent": 20}
    assert evidence.pair_attempts([pre, row]) == []


def test_practice_does_not_start_the_assignment_on_the_unit_report(people, later_module, login):
    client = login(people.manager)
    before = client.get(f"/reports/units/{people.nicu.pk}/").content.decode()
    assert "status-not_started" in before
    practice_rows(later_module, people.staff)
    after = client.get(f"/reports/units/{people.nicu.pk}/").content.decode()
    assert _statuses(after) == _statuses(before)
    person = client.get(f"/reports/people/{people.staff.pk}/").content.decode()
    assert "Practice" not in person


def test_practice_does_not_change_the_learners_own_status(people, later_module, login):
    client = login(people.staff)
    assert "Not started" in client.get("/learn/").content.decode()
    assert "Not started" in client.get(later_module.url).content.decode()
    practice_rows(later_module, people.staff)
    assert "Not started" in client.get("/learn/").content.decode()
    assert "Not started" in client.get(later_module.url).content.decode()


def test_practice_does_not_start_the_assignment_on_its_own_page(people, later_module, login):
    """The manager's page for one assignment (exempt, extend, history) works the status out
    on its own: a practice round leaves it "Not started"."""
    from training.models import Assignment

    assignment = Assignment.objects.get(
        user=people.staff, current=True, requirement__module=later_module
    )
    practice_rows(later_module, people.staff)
    page = login(people.manager).get(f"/reports/assignments/{assignment.pk}/")
    assert page.status_code == 200
    assert "Not started" in page.content.decode()
