"""A manager exempts a person or extends a due date from the unit report, with a reason;
the change shows everywhere and is kept in history with who and why."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from training import services
from training.models import Assignment

from ..factories import StaffProfileFactory

pytestmark = pytest.mark.django_db


def current(user):
    return Assignment.objects.get(user=user, current=True)


def url(assignment):
    return f"/reports/assignments/{assignment.pk}/"


def test_manager_exempts_with_a_reason_and_it_shows_in_reports_and_history(people, login):
    assignment = current(people.staff)
    client = login(people.manager)
    response = client.post(
        url(assignment),
        {"action": "exempt", "exempt-reason": "Completed the same course at her last hospital"},
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.exempt
    assert assignment.exempt_reason == "Completed the same course at her last hospital"
    latest = assignment.history.latest()
    assert latest.history_user == people.manager
    assert latest.history_change_reason.startswith("Exempted: Completed the same course")
    page = client.get(url(assignment)).content.decode()
    assert "Exempt" in page and "Completed the same course" in page
    matrix = client.get(f"/reports/units/{people.nicu.pk}/").content.decode()
    assert "status-exempt" in matrix
    learner = login(people.staff).get("/learn/").content.decode()
    assert "Exempt" in learner


def test_withdrawing_an_exemption_needs_a_reason_too(people, login):
    assignment = current(people.staff)
    services.assignment_exempt(assignment_id=assignment.pk, actor=people.manager, reason="On leave")
    client = login(people.manager)
    response = client.post(url(assignment), {"action": "unexempt", "unexempt-reason": ""})
    assert response.status_code == 400
    assert current(people.staff).exempt
    client.post(url(assignment), {"action": "unexempt", "unexempt-reason": "Back from leave"})
    assert not current(people.staff).exempt
    reasons = [h.history_change_reason for h in current(people.staff).history.all()]
    assert "Exemption withdrawn: Back from leave" in reasons


def test_manager_extends_a_due_date(people, login):
    assignment = current(people.staff)
    until = assignment.due_date + datetime.timedelta(days=21)
    client = login(people.manager)
    response = client.post(
        url(assignment),
        {"action": "extend", "extend-until": until.isoformat(), "extend-reason": "Parental leave"},
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.extended_to == until and assignment.due_date == until
    assert assignment.history.latest().history_user == people.manager
    learner = login(people.staff).get("/learn/").content.decode()
    assert f"due {until.strftime('%-d %B %Y')} (extended)" in learner


@pytest.mark.parametrize(
    "data, message",
    [
        ({"extend-until": "", "extend-reason": "Parental leave"}, "This field is required."),
        ({"extend-until": "31/12/2026", "extend-reason": "Parental leave"}, "Enter a valid date."),
        ({"extend-until": "2026-12-31", "extend-reason": ""}, "This field is required."),
        ({"extend-until": "2000-01-01", "extend-reason": "Parental leave"}, "must be after"),
        ({"extend-until": "2099-01-01", "extend-reason": "Parental leave"}, "at most a year"),
    ],
)
def test_bad_extensions_change_nothing(people, login, data, message):
    assignment = current(people.staff)
    before = assignment.history.count()
    response = login(people.manager).post(url(assignment), {"action": "extend", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.extended_to is None and assignment.history.count() == before


def test_education_leads_may_look_but_not_act(people, login):
    assignment = current(people.staff)
    client = login(people.lead)
    assert client.get(url(assignment)).status_code == 200
    assert "Exempt or extend" not in client.get(url(assignment)).content.decode()
    response = client.post(url(assignment), {"action": "exempt", "exempt-reason": "Because"})
    assert response.status_code == 403
    assert not current(people.staff).exempt


def test_another_units_manager_cannot_act_by_changing_the_id(people, login):
    assignment = current(people.staff)  # NICU
    response = login(people.other_manager).post(
        url(assignment), {"action": "exempt", "exempt-reason": "Trying another unit"}
    )
    assert response.status_code == 404
    assert not current(people.staff).exempt


def test_a_manager_cannot_exempt_themself(people, login, module):
    StaffProfileFactory(user=people.manager, role=people.nurse_role, unit=people.nicu)
    services.assignments_sync(user_ids=[people.manager.pk])
    mine = current(people.manager)
    client = login(people.manager)
    page = client.get(url(mine)).content.decode()
    assert "Exempt or extend" not in page
    response = client.post(url(mine), {"action": "exempt", "exempt-reason": "I know it well"})
    assert response.status_code == 403
    assert not current(people.manager).exempt


def test_unknown_action_is_answered_with_a_message(people, login):
    assignment = current(people.staff)
    response = login(people.manager).post(url(assignment), {"action": "delete"}, follow=True)
    assert "Choose what to do" in response.content.decode()


def _grow_history(people, n):
    for i in range(n):
        assignment = current(people.staff)
        services.assignment_extend(
            assignment_id=assignment.pk,
            actor=people.manager,
            until=assignment.due_date + datetime.timedelta(days=1),
            reason=f"Extension number {i}",
        )


def test_page_query_count_does_not_grow_with_history(people, login):
    client = login(people.manager)
    assignment = current(people.staff)
    _grow_history(people, 1)
    client.get(url(assignment))
    with CaptureQueriesContext(connection) as small:
        assert client.get(url(assignment)).status_code == 200
    _grow_history(people, 15)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url(assignment)).status_code == 200
    assert len(small) == len(large) <= 25
    assert current(people.staff).history.count() >= 16
