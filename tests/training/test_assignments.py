"""The assignment engine through its public surface: every schedule, module sets, role, unit
and active changes (HR import, Wagtail admin), requirements created, changed and retired,
modules published and retired, exemptions and extensions with history, recertification over
HTTP, the hospital's time zone across DST changes, idempotence, and query counts that do not
grow with the number of staff."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.models import OrganisationSettings
from training import assignments as engine
from training import selectors, services
from training.models import (
    Assignment,
    Attempt,
    Completion,
    ModuleSet,
    Requirement,
    StaffProfile,
    Status,
)
from training.schedule import add_months

from ..conftest import SAMPLE_SPEC, correct_answers, publish_module, require
from ..factories import RoleFactory, StaffProfileFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date
LA = zoneinfo.ZoneInfo("America/Los_Angeles")


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def today() -> datetime.date:
    return timezone.localdate()


def new_module(site, slug):
    return publish_module(
        site.catalogue, dict(SAMPLE_SPEC, slug=slug, title=f"Module {slug.replace('-', ' ')}")
    )


def complete_at(user, module, when: datetime.datetime | None = None) -> Completion:
    """A passed attempt submitted at `when` (test data), recorded by the service that every
    pass goes through: it dates the completion and syncs the learner's assignments."""
    when = when or timezone.now()
    attempt = Attempt.objects.create(
        user=user,
        module=module,
        revision_id=module.live_revision_id,
        questions=[],
        pass_mark=75,
        answers={},
        correct_count=0,
        score_percent=100,
        passed=True,
        started_at=when - datetime.timedelta(minutes=10),
        submitted_at=when,
    )
    return services.completion_record(attempt=attempt, actor=user)


def local(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LA)


def current(user, requirement) -> Assignment:
    return Assignment.objects.get(user=user, requirement=requirement, current=True)


def status_of(user, requirement, on: datetime.date) -> Status | None:
    board = selectors.learner_dashboard(user=user, today=on)
    return next((r.status for r in board.rows if r.requirement.pk == requirement.pk), None)


def set_profile(user, **fields):
    profile = StaffProfile.objects.get(user=user)
    for k, v in fields.items():
        setattr(profile, k, v)
    profile.save()
    return profile


# --- every schedule ------------------------------------------------------------------------------


def test_one_time_requirement_assigns_its_audience_due_after_the_start_date(people):
    staff = current(people.staff, people.requirement)
    start = people.staff.staff_profile.start_date
    assert (staff.cycle, staff.starts_on, staff.due_on) == (1, start, start + days(30))
    assert current(people.other_staff, people.requirement).due_on == start + days(30)
    assert not Assignment.objects.filter(user=people.physician).exists()
    assert status_of(people.staff, people.requirement, today()) == Status.DUE_SOON
    assert status_of(people.staff, people.requirement, start - days(1)) == Status.NOT_STARTED


def test_one_time_completion_stays_completed(people, module):
    done = complete_at(people.staff, module)
    row = current(people.staff, people.requirement)
    assert (row.completion_id, row.completed_on, row.valid_until) == (
        done.pk,
        today(),
        None,
    )
    assert status_of(people.staff, people.requirement, today() + days(3650)) == Status.COMPLETED
    assert Assignment.objects.filter(user=people.staff).count() == 1


def test_due_basis_assigned_counts_from_the_day_of_assignment(people, site):
    page = new_module(site, "assigned-basis")
    set_profile(people.staff, start_date=D(2020, 1, 1))
    req = Requirement(module=page, due_basis="assigned", due_days=14, effective_from=D(2026, 1, 1))
    req.full_clean()
    req.save()
    req.roles.set([people.nurse_role])
    services.assignments_sync(requirement_ids=[req.pk], today=D(2026, 5, 4))
    row = current(people.staff, req)
    assert (row.assigned_on, row.starts_on, row.due_on) == (
        D(2026, 5, 4),
        D(2026, 5, 4),
        D(2026, 5, 18),
    )


def test_requirement_effective_later_is_assigned_then_and_due_from_then(people, site):
    page = new_module(site, "future-req")
    req = require(page, roles=[people.nurse_role], due_days=10, effective_from=today() + days(40))
    row = current(people.staff, req)
    assert row.assigned_on == today() + days(40)
    assert row.due_on == today() + days(50)
    assert status_of(people.staff, req, today()) == Status.NOT_STARTED


def test_long_serving_staff_count_from_the_day_the_requirement_takes_effect(people, site):
    page = new_module(site, "effective-now")
    set_profile(people.staff, start_date=D(2010, 4, 1))
    req = require(page, roles=[people.nurse_role], due_days=30, effective_from=today())
    assert current(people.staff, req).due_on == today() + days(30)


def recurring(people, site, slug="recurring", months=12, **fields):
    page = new_module(site, slug)
    fields.setdefault("due_days", 30)
    fields.setdefault("effective_from", D(2025, 1, 1))
    return page, require(
        page, roles=[people.nurse_role], frequency="recurring", interval_months=months, **fields
    )


def test_recurring_completion_opens_the_next_cycle_due_when_it_expires(people, site):
    page, req = recurring(people, site, grace_days=7)
    done = complete_at(people.staff, page)
    first, second = Assignment.objects.filter(user=people.staff, requirement=req).order_by("cycle")
    until = done.completed_on.replace(year=done.completed_on.year + 1)
    assert (first.current, first.completion_id, first.valid_until) == (False, done.pk, until)
    assert (second.current, second.cycle, second.renews_until, second.due_on) == (
        True,
        2,
        until,
        until,
    )
    assert second.counts_from == done.completed_at
    # Completed until the renewal window, due soon 30 days before, expired after the grace.
    assert status_of(people.staff, req, until - days(31)) == Status.COMPLETED
    assert status_of(people.staff, req, until - days(30)) == Status.DUE_SOON
    assert status_of(people.staff, req, until + days(7)) == Status.DUE_SOON
    assert status_of(people.staff, req, until + days(8)) == Status.EXPIRED
    board = selectors.learner_dashboard(user=people.staff, today=today())
    [row] = [r for r in board.rows if r.requirement.pk == req.pk]
    assert row.valid_until == until


def test_late_completion_restarts_the_cycle_from_the_day_it_was_done(people, site):
    set_profile(people.staff, start_date=D(2025, 1, 10))
    page, req = recurring(people, site, months=6)
    assert current(people.staff, req).due_on == D(2025, 2, 9)
    assert status_of(people.staff, req, today()) == Status.OVERDUE
    complete_at(people.staff, page, local(2026, 8, 31, 10, 0))  # a year and a half late
    renewal = current(people.staff, req)
    assert renewal.due_on == renewal.renews_until == D(2027, 2, 28)  # 31 Aug + 6 months


def test_run_of_old_completions_completes_one_cycle_each(people, site):
    page = new_module(site, "history")
    for when in (local(2024, 3, 1, 9), local(2025, 2, 20, 9), local(2026, 3, 3, 9)):
        complete_at(people.staff, page, when)
    req = require(
        page,
        roles=[people.nurse_role],
        frequency="recurring",
        interval_months=12,
        effective_from=D(2024, 1, 1),
    )
    rows = list(Assignment.objects.filter(user=people.staff, requirement=req).order_by("cycle"))
    assert [(r.cycle, r.completed_on, r.current) for r in rows] == [
        (1, D(2024, 3, 1), False),
        (2, D(2025, 2, 20), False),
        (3, D(2026, 3, 3), False),
        (4, None, True),
    ]
    assert rows[-1].due_on == D(2027, 3, 3)


def annual(people, site, slug, month, day, **fields):
    page = new_module(site, slug)
    fields.setdefault("due_days", 30)
    fields.setdefault("effective_from", D(2025, 1, 1))
    return page, require(
        page,
        roles=[people.nurse_role],
        frequency="annual",
        annual_month=month,
        annual_day=day,
        **fields,
    )


def test_annual_requirement_is_due_by_a_fixed_date_every_year(people, site):
    set_profile(people.staff, start_date=D(2024, 6, 1))
    set_profile(people.other_staff, start_date=D(2025, 9, 15))
    page, req = annual(people, site, "annual", 9, 30)
    assert current(people.staff, req).due_on == D(2025, 9, 30)
    # Fewer than 30 days before 30 September: next year's date.
    assert current(people.other_staff, req).due_on == D(2026, 9, 30)
    complete_at(people.staff, page, local(2025, 9, 29, 16))
    renewal = current(people.staff, req)
    assert renewal.renews_until == renewal.due_on == D(2026, 9, 30)
    assert status_of(people.staff, req, D(2026, 8, 30)) == Status.COMPLETED
    assert status_of(people.staff, req, D(2026, 8, 31)) == Status.DUE_SOON
    assert status_of(people.staff, req, D(2026, 10, 1)) == Status.EXPIRED


def test_annual_29_february_in_leap_and_other_years(people, site):
    set_profile(people.staff, start_date=D(2026, 1, 5))
    page, req = annual(people, site, "leap", 2, 29, due_days=14)
    assert current(people.staff, req).due_on == D(2026, 2, 28)
    complete_at(people.staff, page, local(2027, 2, 1, 8))  # late: counts for 2027
    assert current(people.staff, req).due_on == D(2028, 2, 29)
    complete_at(people.staff, page, local(2028, 2, 29, 8))
    assert current(people.staff, req).due_on == D(2029, 2, 28)


def test_annual_completion_in_the_grace_period_does_not_skip_a_year(people, site):
    set_profile(people.staff, start_date=D(2024, 6, 1))
    page, req = annual(people, site, "annual-grace", 12, 31, grace_days=30)
    complete_at(people.staff, page, local(2025, 12, 15, 9))
    assert current(people.staff, req).due_on == D(2026, 12, 31)
    # Completed on 20 January 2027, in the grace period of 31 December 2026: the 2027
    # training is still due by 31 December 2027.
    assert status_of(people.staff, req, D(2027, 1, 19)) == Status.DUE_SOON  # in grace
    assert status_of(people.staff, req, D(2027, 1, 31)) == Status.EXPIRED
    complete_at(people.staff, page, local(2027, 1, 20, 9))
    assert current(people.staff, req).due_on == D(2027, 12, 31)


def test_module_set_is_met_when_every_module_is_completed(people, site):
    a, b = new_module(site, "set-a"), new_module(site, "set-b")
    bundle = ModuleSet.objects.create(name="Bundle")
    bundle.modules.set([a, b])
    req = require(
        bundle,
        roles=[people.nurse_role],
        frequency="recurring",
        interval_months=12,
        effective_from=D(2025, 1, 1),
    )
    complete_at(people.staff, a, local(2026, 3, 1, 9))
    assert current(people.staff, req).completed_on is None
    assert status_of(people.staff, req, D(2026, 3, 2)) == Status.IN_PROGRESS
    complete_at(people.staff, b, local(2026, 4, 15, 9))
    renewal = current(people.staff, req)
    # As fresh as the oldest part: valid a year after the first module.
    assert renewal.renews_until == D(2027, 3, 1)
    first = Assignment.objects.get(user=people.staff, requirement=req, cycle=1)
    assert first.completed_on == D(2026, 4, 15)


# --- the hospital's time zone across DST changes ------------------------------------------------


def test_completion_late_on_the_day_clocks_go_back_counts_on_that_local_date(people, site):
    page, req = recurring(people, site, slug="dst-fall")
    when = local(2026, 11, 1, 23, 30)  # PST; already 2 November in UTC
    assert when.astimezone(datetime.UTC).date() == D(2026, 11, 2)
    done = complete_at(people.staff, page, when)
    assert done.completed_on == D(2026, 11, 1)
    renewal = current(people.staff, req)
    assert renewal.due_on == D(2027, 11, 1)
    # The status flips at local midnight, not at UTC midnight (07:00 the previous evening's UTC).
    before = timezone.localdate(local(2027, 11, 1, 23, 59))
    after = timezone.localdate(local(2027, 11, 2, 0, 0))
    assert status_of(people.staff, req, before) == Status.DUE_SOON
    assert status_of(people.staff, req, after) == Status.EXPIRED


def test_completion_late_on_the_day_clocks_go_forward_counts_on_that_local_date(people, site):
    page, req = recurring(people, site, slug="dst-spring", months=1)
    when = local(2027, 3, 14, 23, 30)  # PDT; 15 March in UTC
    assert when.astimezone(datetime.UTC).date() == D(2027, 3, 15)
    done = complete_at(people.staff, page, when)
    assert done.completed_on == D(2027, 3, 14)
    assert current(people.staff, req).due_on == D(2027, 4, 14)
    # 00:30 local on the change day is still the 13th's evening in UTC terms... and 14 March.
    assert timezone.localdate(local(2027, 3, 14, 0, 30)) == D(2027, 3, 14)


def test_completion_just_after_local_midnight_on_a_dst_day(people, site):
    page, req = recurring(people, site, slug="dst-midnight", months=12)
    done = complete_at(people.staff, page, local(2026, 11, 1, 0, 15))  # PDT still
    assert done.completed_on == D(2026, 11, 1)
    assert current(people.staff, req).due_on == D(2027, 11, 1)


# --- staff changes: role, unit, deactivation -----------------------------------------------------

HEADER = "employee_id,first_name,last_name,email,role,unit,start_date,active,manager_of"


def import_row(tmp_path, profile, *, role=None, unit=None, active="yes"):
    user = profile.user
    line = ",".join(
        [
            profile.employee_id,
            user.first_name,
            user.last_name,
            user.email,
            role or profile.role.name,
            unit or profile.unit.name,
            profile.start_date.isoformat(),
            active,
            "",
        ]
    )
    path = tmp_path / "staff.csv"
    path.write_text(f"{HEADER}\n{line}\n")
    call_command("import_staff", str(path), "--commit", "--user", "admin")


@pytest.fixture
def audiences(people, site):
    """Requirements for NICU staff, PICU staff and physicians, next to the nurses' one."""
    set_profile(people.staff, start_date=D(2025, 3, 1))
    nicu = require(new_module(site, "nicu-only"), units=[people.nicu], due_days=60)
    picu = require(new_module(site, "picu-only"), units=[people.picu], due_days=60)
    doctors = require(
        new_module(site, "physicians"), roles=[RoleFactory(name="Physician")], due_days=20
    )
    return nicu, picu, doctors


def test_role_change_mid_cycle_by_hr_import(people, audiences, tmp_path):
    nicu, picu, doctors = audiences
    kept = current(people.staff, nicu)
    nurse = current(people.staff, people.requirement)
    import_row(tmp_path, people.staff.staff_profile, role="Physician")

    # Still applies (NICU): the same row and due date.
    after = current(people.staff, nicu)
    assert (after.pk, after.due_on) == (kept.pk, kept.due_on)
    # No longer applies (nurses): ended with the reason, kept as the record, off the dashboard.
    nurse.refresh_from_db()
    assert (nurse.current, nurse.ended_on, nurse.end_reason) == (
        False,
        today(),
        engine.END_AUDIENCE,
    )
    assert nurse.history.first().history_user.username == "admin"
    board = selectors.learner_dashboard(user=people.staff, today=today())
    assert {r.requirement.pk for r in board.rows} == {nicu.pk, doctors.pk}
    # Newly applies (physicians): counts from the day of the change, not the old start date.
    new = current(people.staff, doctors)
    assert (new.starts_on, new.due_on) == (today(), today() + days(20))


def test_unit_change_in_the_wagtail_admin(people, audiences, login):
    nicu, picu, _ = audiences
    profile = people.staff.staff_profile
    response = login(people.admin).post(
        f"/admin/snippets/training/staffprofile/edit/{profile.pk}/",
        {
            "user": people.staff.pk,
            "employee_id": profile.employee_id,
            "role": people.nurse_role.pk,
            "unit": people.picu.pk,
            "start_date": profile.start_date.isoformat(),
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    ended = Assignment.objects.get(user=people.staff, requirement=nicu)
    assert (ended.current, ended.end_reason) == (False, engine.END_AUDIENCE)
    record = ended.history.first()
    assert (record.history_user, record.history_change_reason) == (
        people.admin,
        "Staff record changed",
    )
    new = current(people.staff, picu)
    assert (new.starts_on, new.due_on) == (today(), today() + days(60))
    # The nurses' requirement applies in every unit: untouched.
    assert current(people.staff, people.requirement).cycle == 1


def test_deactivation_ends_open_cycles_keeps_history_and_leaves_reports(
    people, module, audiences, tmp_path, login
):
    nicu, _, _ = audiences
    complete_at(people.staff, module)  # the nurses' one-time requirement: completed
    import_row(tmp_path, people.staff.staff_profile, active="no")
    open_row = Assignment.objects.get(user=people.staff, requirement=nicu)
    assert (open_row.current, open_row.ended_on, open_row.end_reason) == (
        False,
        today(),
        engine.END_INACTIVE,
    )
    done = Assignment.objects.get(user=people.staff, requirement=people.requirement)
    assert (done.current, done.completed_on, done.end_reason) == (False, today(), "")
    assert not Assignment.objects.filter(user=people.staff, current=True).exists()
    assert open_row.history.count() == 2  # created, ended
    html = login(people.manager).get(f"/reports/units/{people.nicu.pk}/").content.decode()
    assert "Amara Okafor" not in html

    # Reactivated: a new cycle counting from today; the completed one-time training counts.
    import_row(tmp_path, StaffProfile.objects.get(user=people.staff), active="yes")
    again = current(people.staff, nicu)
    assert (again.cycle, again.starts_on, again.due_on) == (2, today(), today() + days(60))
    nurse = current(people.staff, people.requirement)
    assert (nurse.cycle, nurse.completed_on) == (2, today())
    html = login(people.manager).get(f"/reports/units/{people.nicu.pk}/").content.decode()
    assert "Amara Okafor" in html


def test_new_staff_from_hr_import_count_from_their_start_date(people, tmp_path):
    path = tmp_path / "staff.csv"
    start = today() - days(5)
    path.write_text(
        f"{HEADER}\nE9001,Ana,Silva,ana@hospital.test,Registered nurse,NICU,{start},yes,\n"
    )
    call_command("import_staff", str(path), "--commit")
    new = StaffProfile.objects.get(employee_id="E9001")
    row = current(new.user, people.requirement)
    assert (row.starts_on, row.due_on) == (start, start + days(30))


def test_new_staff_in_the_wagtail_admin_get_assignments(people, login):
    user = UserFactory(username="newnurse")
    start = today() - days(3)
    response = login(people.admin).post(
        "/admin/snippets/training/staffprofile/add/",
        {
            "user": user.pk,
            "employee_id": "E7777",
            "role": people.nurse_role.pk,
            "unit": people.nicu.pk,
            "start_date": start.isoformat(),
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = current(user, people.requirement)
    assert row.history.first().history_user == people.admin


# --- requirements created, changed, retired; modules published and retired -----------------------


def requirement_post(req: Requirement | None = None, **changes) -> dict:
    data = {
        "name": "",
        "module": "",
        "module_set": "",
        "roles": [],
        "units": [],
        "frequency": "once",
        "due_basis": "start_date",
        "due_days": "30",
        "interval_months": "",
        "annual_month": "",
        "annual_day": "",
        "grace_days": "0",
        "effective_from": "2025-01-01",
        "active": "on",
    }
    if req is not None:
        data.update(
            name=req.name,
            module=req.module_id or "",
            module_set=req.module_set_id or "",
            roles=[r.pk for r in req.roles.all()],
            units=[u.pk for u in req.units.all()],
            frequency=req.frequency,
            due_basis=req.due_basis,
            due_days=str(req.due_days),
            interval_months=req.interval_months or "",
            annual_month=req.annual_month or "",
            annual_day=req.annual_day or "",
            grace_days=str(req.grace_days),
            effective_from=req.effective_from.isoformat(),
        )
        if not req.active:
            del data["active"]
    for k, v in changes.items():
        if v is None:
            data.pop(k, None)
        else:
            data[k] = v
    return data


def edit_url(req):
    return f"/admin/snippets/training/requirement/edit/{req.pk}/"


def test_requirement_created_in_the_admin_assigns_its_audience(people, site, login):
    page = new_module(site, "admin-made")
    response = login(people.admin).post(
        "/admin/snippets/training/requirement/add/",
        requirement_post(
            module=page.pk,
            roles=[people.nurse_role.pk],
            frequency="recurring",
            interval_months="24",
            due_days="45",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    req = Requirement.objects.get(module=page)
    rows = Assignment.objects.filter(requirement=req, current=True)
    assert {a.user_id for a in rows} == {people.staff.pk, people.other_staff.pk}
    record = rows[0].history.first()
    assert (record.history_user, record.history_change_reason) == (
        people.admin,
        "Requirement changed",
    )


def test_requirement_without_audience_is_refused_in_the_admin(people, site, login):
    page = new_module(site, "no-audience")
    response = login(people.admin).post(
        "/admin/snippets/training/requirement/add/", requirement_post(module=page.pk)
    )
    assert response.status_code == 200
    assert "Choose the audience" in response.content.decode()
    assert not Requirement.objects.filter(module=page).exists()


def test_changing_days_to_complete_moves_open_cycles_only(people, module, login):
    req = people.requirement
    complete_at(people.other_staff, module)
    done_before = current(people.other_staff, req).due_on
    response = login(people.admin).post(edit_url(req), requirement_post(req, due_days="90"))
    assert response.status_code == 302, response.content.decode()[:2000]
    start = people.staff.staff_profile.start_date
    assert current(people.staff, req).due_on == start + days(90)
    assert current(people.other_staff, req).due_on == done_before  # completed: untouched
    record = current(people.staff, req).history.first()
    assert (record.history_user, record.history_change_reason) == (
        people.admin,
        "Requirement changed",
    )


def test_changing_the_interval_moves_the_open_renewal(people, site, login):
    page, req = recurring(people, site, months=12)
    done = complete_at(people.staff, page, local(2026, 5, 31, 12))
    assert done.completed_on == D(2026, 5, 31)
    assert current(people.staff, req).due_on == D(2027, 5, 31)
    response = login(people.admin).post(edit_url(req), requirement_post(req, interval_months="9"))
    assert response.status_code == 302, response.content.decode()[:2000]
    renewal = current(people.staff, req)
    assert renewal.due_on == renewal.renews_until == D(2027, 2, 28)


def test_frequency_change_is_refused_once_assignments_exist(people, login):
    req = people.requirement
    response = login(people.admin).post(
        edit_url(req), requirement_post(req, frequency="recurring", interval_months="12")
    )
    assert response.status_code == 200
    assert "how often it recurs cannot change" in response.content.decode()
    req.refresh_from_db()
    assert req.frequency == "once"


def test_retiring_a_requirement_ends_open_cycles_and_keeps_the_record(people, module, login):
    req = people.requirement
    complete_at(people.other_staff, module)
    response = login(people.admin).post(edit_url(req), requirement_post(req, active=None))
    assert response.status_code == 302, response.content.decode()[:2000]
    staff = Assignment.objects.get(user=people.staff, requirement=req)
    assert (staff.current, staff.ended_on, staff.end_reason) == (
        False,
        today(),
        engine.END_RETIRED,
    )
    other = Assignment.objects.get(user=people.other_staff, requirement=req)
    assert (other.current, other.completed_on, other.end_reason) == (False, today(), "")
    assert selectors.learner_dashboard(user=people.staff, today=today()).rows == []
    # Brought back: a new cycle; the completed one-time training still counts.
    req.refresh_from_db()
    login(people.admin).post(edit_url(req), requirement_post(req, active="on"))
    assert current(people.staff, req).cycle == 2
    assert current(people.other_staff, req).completed_on == today()


def test_unpublishing_a_module_ends_its_open_cycles_and_publishing_reopens(people, module):
    req = people.requirement
    module.unpublish()
    row = Assignment.objects.get(user=people.staff, requirement=req)
    assert (row.current, row.end_reason) == (False, engine.END_NO_MODULE)
    module.refresh_from_db()
    module.save_revision().publish()
    assert current(people.staff, req).cycle == 2


def test_module_set_change_in_the_admin_follows(people, site, login):
    a, b = new_module(site, "ms-a"), new_module(site, "ms-b")
    bundle = ModuleSet.objects.create(name="Two")
    bundle.modules.set([a])
    req = require(bundle, roles=[people.nurse_role], effective_from=D(2025, 1, 1))
    complete_at(people.staff, a)
    assert current(people.staff, req).completed_on == today()
    # A one-time requirement completed stays completed when the set grows.
    response = login(people.admin).post(
        f"/admin/snippets/training/moduleset/edit/{bundle.pk}/",
        {"name": "Two", "modules": [a.pk, b.pk]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert current(people.staff, req).completed_on == today()
    assert current(people.other_staff, req).completed_on is None


# --- exemptions and extensions -------------------------------------------------------------------


def test_exemption_is_recorded_with_the_manager_and_the_reason(people):
    row = current(people.staff, people.requirement)
    services.assignment_exempt(
        assignment_id=row.pk, actor=people.manager, reason="Completed at St Mary's in March"
    )
    assert status_of(people.staff, people.requirement, today() + days(400)) == Status.EXEMPT
    record = row.history.first()
    assert record.history_user == people.manager
    assert record.history_change_reason == "Exempted: Completed at St Mary's in March"
    assert record.exempt is True
    services.assignment_unexempt(
        assignment_id=row.pk, actor=people.admin, reason="Certificate was not accepted"
    )
    record = row.history.first()
    assert (record.history_user, record.exempt) == (people.admin, False)
    assert "Certificate was not accepted" in record.history_change_reason


def test_extension_is_recorded_and_replaces_the_due_date(people):
    row = current(people.staff, people.requirement)
    until = row.due_on + days(45)
    services.assignment_extend(
        assignment_id=row.pk, actor=people.manager, until=until, reason="Parental leave"
    )
    row.refresh_from_db()
    assert (row.extended_to, row.due_date, row.extension_reason) == (until, until, "Parental leave")
    record = row.history.first()
    assert record.history_user == people.manager
    assert record.history_change_reason == f"Due date extended to {until}: Parental leave"
    # Overdue only after the extended date.
    assert status_of(people.staff, people.requirement, row.due_on + days(1)) == Status.NOT_STARTED
    assert status_of(people.staff, people.requirement, until) == Status.DUE_SOON
    assert status_of(people.staff, people.requirement, until + days(1)) == Status.OVERDUE
    # Survives a sync (the engine does not undo it).
    assert services.assignments_sync() == {"created": 0, "updated": 0, "ended": 0, "completed": 0}
    row.refresh_from_db()
    assert row.extended_to == until


@pytest.mark.parametrize(
    "who, until, reason, message",
    [
        ("manager", 45, "", "give the reason"),
        ("manager", 45, "  ok ", "give the reason"),
        ("other_manager", 45, "Parental leave", "Only a manager of this person's unit"),
        ("staff", 45, "Parental leave", "Only a manager of this person's unit"),
        ("manager", -1, "Parental leave", "must be after the current one"),
        ("manager", 0, "Parental leave", "must be after the current one"),
        ("manager", 400, "Parental leave", "at most a year"),
    ],
)
def test_extension_refusals_change_nothing(people, who, until, reason, message):
    row = current(people.staff, people.requirement)
    history = row.history.count()
    with pytest.raises(ValidationError) as caught:
        services.assignment_extend(
            assignment_id=row.pk,
            actor=getattr(people, who),
            until=row.due_on + days(until),
            reason=reason,
        )
    assert message in " ".join(caught.value.messages)
    row.refresh_from_db()
    assert (row.extended_to, row.history.count()) == (None, history)


@pytest.mark.parametrize(
    "who, reason, message",
    [
        ("manager", "", "give the reason"),
        ("other_manager", "Done elsewhere", "Only a manager of this person's unit"),
        ("lead", "Done elsewhere", "Only a manager of this person's unit"),
    ],
)
def test_exemption_refusals_change_nothing(people, who, reason, message):
    row = current(people.staff, people.requirement)
    with pytest.raises(ValidationError) as caught:
        services.assignment_exempt(assignment_id=row.pk, actor=getattr(people, who), reason=reason)
    assert message in " ".join(caught.value.messages)
    row.refresh_from_db()
    assert not row.exempt and row.history.count() == 1


def test_exempting_a_completed_or_ended_cycle_is_refused(people, module):
    complete_at(people.staff, module)
    row = current(people.staff, people.requirement)
    with pytest.raises(ValidationError, match="already completed"):
        services.assignment_exempt(assignment_id=row.pk, actor=people.manager, reason="Whatever")
    set_profile(people.other_staff, active=False)
    services.assignments_sync(user_ids=[people.other_staff.pk])
    ended = Assignment.objects.get(user=people.other_staff)
    with pytest.raises(ValidationError, match="no longer current"):
        services.assignment_extend(
            assignment_id=ended.pk, actor=people.admin, until=today() + days(90), reason="Leave"
        )


def test_extension_shorter_than_a_new_schedule_gives_way_to_it(people, login):
    req = people.requirement
    row = current(people.staff, req)
    services.assignment_extend(
        assignment_id=row.pk, actor=people.manager, until=row.due_on + days(10), reason="Leave"
    )
    login(people.admin).post(edit_url(req), requirement_post(req, due_days="120"))
    row.refresh_from_db()
    start = people.staff.staff_profile.start_date
    assert row.due_on == start + days(120)
    assert row.extended_to is None and row.due_date == start + days(120)


# --- recertification end to end over HTTP --------------------------------------------------------


def _start(client, module):
    return client.post(f"/learn/modules/{module.pk}/start/")


def test_recertification_over_http(people, site, login):
    page, req = recurring(people, site, slug="recert", months=6)
    client = login(people.staff)
    response = _start(client, page)
    attempt = Attempt.objects.get(pk=int(re.search(r"/attempts/(\d+)/", response["Location"])[1]))
    client.post(f"/learn/attempts/{attempt.pk}/", correct_answers(attempt.questions))
    first = Completion.objects.get(user=people.staff, module=page)
    renewal = current(people.staff, req)
    until = renewal.renews_until
    assert until == add_months(first.completed_on, 6)
    html = client.get("/learn/").content.decode()
    assert "Completed" in html
    assert f"valid until {until.strftime('%-d %B %Y')}" in html

    # Before the renewal window (30 days before the end of validity): refused, naming dates.
    response = _start(client, page)
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    opens = until - days(30)
    assert until.strftime("%-d %B %Y") in html and opens.strftime("%-d %B %Y") in html
    assert Attempt.objects.filter(user=people.staff, module=page).count() == 1

    # Within the window (the site's window widened to reach today): a new attempt starts,
    # and passing it is a second completion that opens a new cycle.
    settings = OrganisationSettings.for_site(site.home.get_site())
    settings.due_soon_days = (until - today()).days
    settings.save()
    response = _start(client, page)
    attempt = Attempt.objects.get(pk=int(re.search(r"/attempts/(\d+)/", response["Location"])[1]))
    assert attempt.submitted_at is None
    client.post(f"/learn/attempts/{attempt.pk}/", correct_answers(attempt.questions))
    assert Completion.objects.filter(user=people.staff, module=page).count() == 2
    rows = list(Assignment.objects.filter(user=people.staff, requirement=req).order_by("cycle"))
    assert [(r.cycle, r.current, r.completed_on) for r in rows] == [
        (1, False, today()),
        (2, False, today()),
        (3, True, None),
    ]
    second = Completion.objects.filter(user=people.staff, module=page).latest("completed_at")
    assert rows[-1].counts_from == second.completed_at
    assert rows[-1].due_on == add_months(second.completed_on, 6)


# --- idempotence and query counts ----------------------------------------------------------------


def test_sync_twice_changes_nothing(people, site, module):
    recurring(people, site)
    annual(people, site, "idem-annual", 3, 31)
    complete_at(people.staff, module)
    services.assignments_sync()
    history = Assignment.history.count()
    assert services.assignments_sync() == {
        "created": 0,
        "updated": 0,
        "ended": 0,
        "completed": 0,
    }
    assert services.assignments_sync(user_ids=[people.staff.pk], joined_on=today()) == {
        "created": 0,
        "updated": 0,
        "ended": 0,
        "completed": 0,
    }
    assert Assignment.history.count() == history


def _staff(n, role, units):
    for i in range(n):
        StaffProfileFactory(
            role=role, unit=units[i % len(units)], start_date=D(2025, 1, 1) + days(i % 300)
        )


def _writes(queries) -> int:
    return sum(1 for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE")))


def _count(**kwargs):
    with CaptureQueriesContext(connection) as ctx:
        result = services.assignments_sync(**kwargs)
    return (
        len(ctx.captured_queries) - _writes(ctx.captured_queries),
        _writes(ctx.captured_queries),
        result,
    )


def _statements(rows: int, fields) -> int:
    """Statements a bulk write of `rows` rows takes: one where the database takes any number
    of rows per statement (PostgreSQL); SQLite's 999-variable limit splits them."""
    per = connection.ops.bulk_batch_size(fields, [None] * rows) or rows
    return -(-rows // per)


def _pk_less(model):
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _created(rows: int) -> int:
    return _statements(rows, _pk_less(Assignment)) + _statements(
        rows, _pk_less(Assignment.history.model)
    )


def _updated(rows: int, fields: int) -> int:
    pk = Assignment._meta.pk
    return _statements(rows, [pk, pk] + [pk] * fields) + _statements(
        rows, _pk_less(Assignment.history.model)
    )


def test_sync_query_count_does_not_grow_with_staff(people, site):
    role = RoleFactory(name="Midwife")
    units = [UnitFactory(name="Ward A"), UnitFactory(name="Ward B")]
    reqs = [
        require(new_module(site, "q-once"), roles=[role], due_days=30),
        require(new_module(site, "q-rec"), roles=[role], frequency="recurring", interval_months=12),
        require(
            new_module(site, "q-ann"),
            units=units,
            frequency="annual",
            annual_month=6,
            annual_day=30,
        ),
    ]
    ids = [r.pk for r in reqs]
    reads = {}
    made = 0
    for size in (20, 120):
        _staff(size - made, role, units)
        made = size
        Assignment.objects.filter(requirement_id__in=ids).delete()  # test data: start afresh
        # (b) initial creation: fixed reads, then one INSERT for the rows and one for their
        # history (SQLite: as many as its variable limit needs).
        create_reads, writes, result = _count(requirement_ids=ids)
        assert result["created"] == size * 3
        assert writes == _created(size * 3)
        # (a) full recompute with nothing to change: reads only.
        noop_reads, writes, result = _count()
        assert result == {"created": 0, "updated": 0, "ended": 0, "completed": 0}
        assert writes == 0
        # One requirement's days to complete changed: one bulk UPDATE and its history.
        Requirement.objects.filter(pk=reqs[0].pk).update(due_days=40 + size)  # test data
        change_reads, writes, result = _count(requirement_ids=ids)
        assert result["updated"] == size
        assert writes == _updated(size, fields=1)
        reads[size] = (create_reads, noop_reads, change_reads)
    assert reads[20] == reads[120], reads
    if connection.vendor == "postgresql":
        assert _created(360) == 2 and _updated(120, fields=1) == 2


def test_sync_of_one_person_is_a_fixed_number_of_queries(people, site):
    role = RoleFactory(name="Midwife")
    units = [UnitFactory(name="Ward A")]
    for i in range(3):
        require(new_module(site, f"one-{i}"), roles=[role], due_days=30)
    _staff(30, role, units)
    person = StaffProfile.objects.filter(role=role).first().user
    Assignment.objects.filter(user=person).delete()  # test data: as if new
    reads, writes, result = _count(user_ids=[person.pk])
    assert result["created"] == 3
    assert reads <= 11 and writes == 2  # 11 on PostgreSQL: the advisory lock is a SELECT
