"""Compliance snapshots: the daily counts per unit and requirement (service and command),
their agreement with the unit report on the same day, and the "compliance on a past date"
page (exact day, nearest earlier day, none, bad input, who may see it, query counts)."""

from __future__ import annotations

import contextlib
import datetime
import io
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from training import reporting, schedule, services
from training.models import Assignment, ComplianceSnapshot, Requirement, StaffProfile, Unit
from training.services.compliance import compliance_snapshot_take

from ..conftest import SAMPLE_SPEC, correct_answers, publish_module, require
from ..factories import StaffProfileFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate  # called, never frozen at import


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def take_on(monkeypatch, day: datetime.date) -> int:
    """The daily task's snapshot, as it would have been taken on `day`."""
    with clock(monkeypatch, day):
        return compliance_snapshot_take(day=day)


@contextlib.contextmanager
def clock(monkeypatch, day: datetime.date):
    """Pretend it is noon on `day` in the hospital's time zone (timezone.now and
    timezone.localdate follow)."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    with monkeypatch.context() as m:
        m.setattr(timezone, "now", lambda: moment)
        yield


def pass_module(user, module):
    attempt = services.attempt_start(user=user, module=module)
    answers = {k[2:]: v for k, v in correct_answers(attempt.questions).items()}
    services.attempt_submit(attempt_id=attempt.pk, user=user, answers=answers)


def nurse(people, name, *, unit=None, started=-10):
    first, last = name.split()
    return StaffProfileFactory(
        user=UserFactory(username=name.replace(" ", "").lower(), first_name=first, last_name=last),
        role=people.nurse_role,
        unit=unit or people.nicu,
        start_date=days(started),
    ).user


def counts(day) -> dict[tuple[str, int], tuple[int, int, int, int]]:
    return {
        (s.unit.name, s.requirement_id): (s.assigned, s.compliant, s.overdue, s.exempt)
        for s in ComplianceSnapshot.objects.filter(taken_on=day).select_related("unit")
    }


@pytest.fixture
def mix(people, site, module):
    """NICU nurses under two requirements (A: the people fixture's one-time module, every
    unit; B: a monthly renewal, NICU only):

    - Amara (staff) and Renata started 10 days ago: both due soon, neither compliant yet;
      Renata passed B today, so she holds a valid B completion renewing in a month.
    - Dora passed A today.
    - Luke started 400 days ago and did nothing: overdue on both.
    - Esme started 400 days ago and is exempt from A (overdue on B).
    - Gabe started 400 days ago but is deactivated: not counted anywhere.
    PICU: Olga (other_staff), due soon on A. The physician holds nothing.
    """
    module_b = publish_module(
        site.catalogue, dict(SAMPLE_SPEC, slug="monthly-refresher", title="Monthly refresher")
    )
    req_b = require(
        module_b,
        roles=[people.nurse_role],
        units=[people.nicu],
        frequency=schedule.RECURRING,
        interval_months=1,
        due_days=30,
        effective_from=days(-365),
    )
    dora = nurse(people, "Dora Done")
    luke = nurse(people, "Luke Late", started=-400)
    esme = nurse(people, "Esme Exempt", started=-400)
    renata = nurse(people, "Renata Renewer")
    gabe = nurse(people, "Gabe Gone", started=-400)
    services.assignments_sync()
    pass_module(dora, module)
    pass_module(renata, module_b)
    exempt = Assignment.objects.get(user=esme, requirement=people.requirement, current=True)
    services.assignment_exempt(
        assignment_id=exempt.pk, actor=people.manager, reason="Holds equivalent training"
    )
    StaffProfile.objects.filter(user=gabe).update(active=False)  # not yet synced: still current
    return {"a": people.requirement, "b": req_b, "module_b": module_b, "luke": luke}


def _matrix_cells(today):
    """Every cell of every unit's matrix as the unit report shows it (statuses worked out in
    Python from each person's assignment), by (unit name, requirement id)."""
    ctx = reporting.Context.load(today)
    cells = {}
    for unit in Unit.objects.all():
        columns = reporting.unit_columns(unit=unit)
        staff = reporting.staff_queryset(unit=unit, filters=reporting.MatrixFilters(), ctx=ctx)
        for row in reporting.matrix_rows(staff=staff, columns=columns, ctx=ctx):
            for requirement, cell in zip(columns, row.cells, strict=True):
                if cell.status:
                    cells.setdefault((unit.name, requirement.pk), []).append(cell)
    return cells


def _matrix_counts(today):
    """The same tallies, read off the unit report's matrices."""
    out = {}
    for key, statuses in _matrix_cells(today).items():
        assignments = Assignment.objects.in_bulk([c.assignment_id for c in statuses])
        out[key] = (
            len(statuses),
            sum(
                schedule.is_compliant(c.status, renewal=assignments[c.assignment_id].renewal)
                for c in statuses
            ),
            sum(c.status in (schedule.OVERDUE, schedule.EXPIRED) for c in statuses),
            sum(c.status == schedule.EXEMPT for c in statuses),
        )
    return out


def test_counts_per_unit_and_requirement(people, mix):
    assert compliance_snapshot_take(day=TODAY()) == 3
    a, b = mix["a"].pk, mix["b"].pk
    #                       assigned, compliant, overdue, exempt
    assert counts(TODAY()) == {
        ("NICU", a): (5, 1, 1, 1),  # Dora compliant, Luke overdue, Esme exempt
        ("NICU", b): (5, 1, 2, 0),  # Renata compliant (renewal), Luke and Esme overdue
        ("PICU", a): (1, 0, 0, 0),  # Olga due soon
    }
    row = ComplianceSnapshot.objects.get(taken_on=TODAY(), unit=people.nicu, requirement_id=a)
    assert row.percent == 25  # 1 of the 4 not exempt
    assert row.taken_at is not None


def test_counts_agree_with_the_unit_report_on_the_same_day(mix):
    compliance_snapshot_take(day=TODAY())
    assert counts(TODAY()) == _matrix_counts(TODAY())
    ctx = reporting.Context.load(TODAY())
    summary = reporting.unit_summaries(units=Unit.objects.filter(name="NICU"), ctx=ctx).total
    nicu = list(ComplianceSnapshot.objects.filter(unit__name="NICU"))
    assert sum(s.compliant for s in nicu) == summary.compliant
    assert sum(s.assigned - s.exempt for s in nicu) == summary.required


def _summary_from_matrices(today):
    """Per (unit, role): staff, assigned, exempt, compliant, overdue, expired, due soon and
    people late, counted off the unit matrices' cells (statuses worked out in Python)."""
    ctx = reporting.Context.load(today)
    out: dict[tuple[str, str], list[int]] = {}
    for unit in Unit.objects.all():
        columns = reporting.unit_columns(unit=unit)
        staff = reporting.staff_queryset(unit=unit, filters=reporting.MatrixFilters(), ctx=ctx)
        for row in reporting.matrix_rows(staff=staff, columns=columns, ctx=ctx):
            held = [c for c in row.cells if c.status]
            assignments = Assignment.objects.in_bulk([c.assignment_id for c in held])
            late = [c for c in held if c.status in (schedule.OVERDUE, schedule.EXPIRED)]
            figures = [
                1,
                len(held),
                sum(c.status == schedule.EXEMPT for c in held),
                sum(
                    schedule.is_compliant(c.status, renewal=assignments[c.assignment_id].renewal)
                    for c in held
                ),
                sum(c.status == schedule.OVERDUE for c in held),
                sum(c.status == schedule.EXPIRED for c in held),
                sum(c.status == schedule.DUE_SOON for c in held),
                1 if late else 0,
            ]
            key = (unit.name, row.profile.role.name)
            out[key] = [a + b for a, b in zip(out.get(key, [0] * 8), figures, strict=True)]
    return out


@pytest.mark.parametrize("later", [0, 20, 45])
def test_unit_summaries_agree_with_the_matrices(monkeypatch, people, mix, later):
    """Every figure of the summaries (one SQL pass per person, then per unit and role) equals
    what the matrices show, today and as cycles fall due, lapse and renew; someone who holds
    nothing still counts as staff, and the deactivated nurse counts nowhere."""
    day = days(later)
    with clock(monkeypatch, day):
        expected = _summary_from_matrices(day)
        org = reporting.unit_summaries(units=Unit.objects.all(), ctx=reporting.Context.load(day))
    got = {
        (summary.unit.name, rc.role.name): [
            rc.counts.staff,
            rc.counts.assigned,
            rc.counts.exempt,
            rc.counts.compliant,
            rc.counts.overdue,
            rc.counts.expired,
            rc.counts.due_soon,
            rc.counts.people_late,
        ]
        for summary in org.units
        for rc in summary.by_role
    }
    assert got == expected
    assert got[("NICU", "Registered nurse")][0] == 5  # Gabe, deactivated, is not counted
    assert got[("NICU", "Physician")][:2] == [1, 0]  # holds nothing, still on the unit
    if later == 0:  # Luke late on both, Esme on B
        assert got[("NICU", "Registered nurse")][7] == 2
    assert sum(got[("NICU", "Registered nurse")][4:6]) > 0


def test_a_lapsed_renewal_counts_as_overdue(monkeypatch, people, mix):
    """45 days on, Renata's monthly completion has expired; the others' first cycles are
    overdue too, Dora's one-time completion still holds and Esme is still exempt."""
    later = days(45)
    with clock(monkeypatch, later):
        services.assignments_sync(reason="Daily upkeep")  # as the daily task does first
        compliance_snapshot_take(day=later)
        matrix_view = _matrix_counts(later)
        statuses = Counter(
            c.status
            for (unit, _r), cells in _matrix_cells(later).items()
            if unit == "NICU"
            for c in cells
        )
    a, b = mix["a"].pk, mix["b"].pk
    assert counts(later) == {
        ("NICU", a): (5, 1, 3, 1),
        ("NICU", b): (5, 0, 5, 0),
        ("PICU", a): (1, 0, 1, 0),
    }
    assert statuses[schedule.EXPIRED] == 1  # Renata's renewal
    assert counts(later) == matrix_view


def test_taking_the_day_again_replaces_its_counts(people, mix):
    assert compliance_snapshot_take(day=TODAY()) == 3
    assert compliance_snapshot_take(day=TODAY()) == 3
    assert ComplianceSnapshot.objects.filter(taken_on=TODAY()).count() == 3
    mix["b"].active = False  # B is retired: its assignments end, so its row must go
    mix["b"].save()
    services.assignments_sync(requirement_ids=[mix["b"].pk])
    pass_module(people.staff, people.requirement.module)
    assert compliance_snapshot_take(day=TODAY()) == 2  # B's row is gone, not left stale
    a = mix["a"].pk
    assert counts(TODAY()) == {("NICU", a): (5, 2, 1, 1), ("PICU", a): (1, 0, 0, 0)}


def test_deactivated_staff_are_not_counted(people, mix):
    compliance_snapshot_take(day=TODAY())
    before = counts(TODAY())
    StaffProfile.objects.filter(user=mix["luke"]).update(active=False)
    compliance_snapshot_take(day=TODAY())
    a, b = mix["a"].pk, mix["b"].pk
    assert counts(TODAY())[("NICU", a)] == (4, 1, 0, 1)
    assert counts(TODAY())[("NICU", b)] == (4, 1, 1, 0)
    assert before[("NICU", a)] == (5, 1, 1, 1)
    assert counts(TODAY()) == _matrix_counts(TODAY())


@pytest.mark.parametrize("offset", [-1, -365, 1])
def test_only_today_can_be_taken(people, offset):
    with pytest.raises(ValidationError, match="only be taken for today"):
        compliance_snapshot_take(day=days(offset))
    assert not ComplianceSnapshot.objects.exists()


def test_command_prints_rows_written(mix):
    out = io.StringIO()
    call_command("take_compliance_snapshot", stdout=out)
    assert f"{TODAY().isoformat()}: 3 rows written" in out.getvalue()
    assert ComplianceSnapshot.objects.filter(taken_on=TODAY()).count() == 3


@pytest.mark.parametrize(
    "value, message",
    [
        ("yesterday", "is not a date"),
        ("2020-01-01", "only be taken"),
        ("2999-01-01", "only be taken"),
    ],
)
def test_command_refuses_other_days_clearly(mix, value, message):
    with pytest.raises(CommandError, match=message):
        call_command("take_compliance_snapshot", "--date", value, stdout=io.StringIO())
    assert not ComplianceSnapshot.objects.exists()


# The page -----------------------------------------------------------------------------


def url(unit, on=None):
    base = f"/reports/units/{unit.pk}/compliance/"
    return base if on is None else f"{base}?on={on}"


@pytest.fixture
def history(monkeypatch, people):
    """Snapshots taken 10 days ago (nobody compliant) and 3 days ago (after Amara passed)."""
    take_on(monkeypatch, days(-10))
    pass_module(people.staff, people.requirement.module)
    take_on(monkeypatch, days(-3))
    return people


def test_page_shows_the_snapshot_of_the_day_asked(history, login):
    response = login(history.manager).get(url(history.nicu, days(-3).isoformat()))
    assert response.status_code == 200
    report = response.context["report"]
    assert report.taken_on == days(-3) and report.exact
    assert [(r.title, r.assigned, r.compliant, r.percent) for r in report.rows] == [
        ("Sample module: reading cues", 1, 1, 100)
    ]
    html = response.content.decode()
    assert f"Snapshot of {days(-3):%-d %B %Y}" in html
    assert "nearest earlier" not in html
    assert "100%" in html and "PICU" not in html


def test_page_falls_back_to_the_nearest_earlier_snapshot_and_says_so(history, login):
    response = login(history.manager).get(url(history.nicu, days(-5).isoformat()))
    report = response.context["report"]
    assert report.taken_on == days(-10) and not report.exact
    assert [(r.assigned, r.compliant, r.percent) for r in report.rows] == [(1, 0, 0)]
    html = response.content.decode()
    assert f"No snapshot was taken on {days(-5):%-d %B %Y}" in html
    assert f"taken on <strong>{days(-10):%-d %B %Y}</strong>" in html


def test_page_without_a_date_shows_the_latest_snapshot(history, login):
    report = login(history.lead).get(url(history.nicu)).context["report"]
    assert report.asked_on == TODAY() and report.taken_on == days(-3)


def test_page_says_when_there_is_no_snapshot_on_or_before_the_date(history, login):
    response = login(history.manager).get(url(history.nicu, days(-30).isoformat()))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"No compliance snapshot was taken on or before {days(-30):%-d %B %Y}" in html
    assert f"The first snapshot is from {days(-10):%-d %B %Y}" in html


def test_page_with_no_snapshots_at_all(people, login):
    html = login(people.manager).get(url(people.nicu)).content.decode()
    assert "No compliance snapshot was taken on or before" in html


def test_a_unit_without_requirements_that_day_says_so(history, login):
    empty = UnitFactory(name="Cardiology clinic")
    html = login(history.admin).get(url(empty, days(-3).isoformat())).content.decode()
    assert "Nobody in Cardiology clinic held a requirement on that day." in html


@pytest.mark.parametrize(
    "value, message",
    [
        ("notadate", "Enter a date as YYYY-MM-DD"),
        ("2024-02-30", "Enter a date as YYYY-MM-DD"),
        ("", "This field is required"),
        ("9999-12-31", "Choose today"),
        ("tomorrow", "Enter a date as YYYY-MM-DD"),
    ],
)
def test_page_answers_bad_dates_with_a_message(history, login, value, message):
    response = login(history.manager).get(url(history.nicu, value))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["report"] is None


def test_a_future_date_is_refused(history, login):
    response = login(history.manager).get(url(history.nicu, days(1).isoformat()))
    assert "nothing is recorded for days that have not happened yet" in response.content.decode()


def test_unit_report_links_to_the_page(people, login):
    html = login(people.manager).get(f"/reports/units/{people.nicu.pk}/").content.decode()
    assert f'href="{url(people.nicu)}"' in html


# Who may see it (to merge into tests/test_permissions.py CASES) ------------------------

KINDS = ["staff", "manager", "other_manager", "lead", "educator", "admin", "anonymous"]
LOGIN = 302
# url template, expected status per kind (in KINDS order), as in tests/test_permissions.py
# Who may see the page: in tests/test_permissions.py with every other URL.


# Query counts ------------------------------------------------------------------------


def _grow(people, site, *, staff, requirements):
    """`requirements` more required modules, `staff` more nurses in NICU and PICU; a third of
    the new nurses pass the first module, one new nurse per unit is exempt from it."""
    for _ in range(requirements):
        n = Requirement.objects.count() + 1
        page = publish_module(
            site.catalogue, dict(SAMPLE_SPEC, slug=f"grow-{n}", title=f"Grown module {n}")
        )
        require(page, roles=[people.nurse_role], due_days=30, effective_from=days(-365))
    new = [
        StaffProfileFactory(role=people.nurse_role, unit=unit, start_date=days(-400)).user
        for _ in range(staff)
        for unit in (people.nicu, people.picu)
    ]
    services.assignments_sync()
    for i, user in enumerate(new):
        if i % 3 == 0:
            pass_module(user, people.requirement.module)
    for user in new[1:3]:
        a = Assignment.objects.get(user=user, requirement=people.requirement, current=True)
        if a.completed_on is None:
            services.assignment_exempt(assignment_id=a.pk, actor=people.admin, reason="Elsewhere")


def _queries(fn):
    fn()  # warm per-process caches (site root, site settings)
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_service_query_count_does_not_grow_with_staff(people, site):
    def take():
        compliance_snapshot_take(day=TODAY())

    _grow(people, site, staff=2, requirements=1)
    small = _queries(take)
    _grow(people, site, staff=15, requirements=2)
    large = _queries(take)
    assert ComplianceSnapshot.objects.filter(taken_on=TODAY()).count() == 8  # 2 units x 4
    assert small == large, f"{small} queries with little data, {large} with more"
    assert large <= 10, large


def test_page_query_count_does_not_grow_with_data(monkeypatch, people, site, login):
    client = login(people.manager)

    def take_days():
        for day in (days(-20), days(-10), days(-3)):
            take_on(monkeypatch, day)

    def get():
        response = client.get(url(people.nicu, days(-5).isoformat()))
        assert response.status_code == 200

    _grow(people, site, staff=2, requirements=1)
    take_days()
    small = _queries(get)
    _grow(people, site, staff=15, requirements=3)
    take_days()
    assert len(client.get(url(people.nicu, days(-5).isoformat())).context["report"].rows) == 5
    large = _queries(get)
    assert small == large, f"{small} queries with little data, {large} with more"
    assert large <= 15, large
