"""Manager and lead reports (issue 6): the SQL status agrees with the schedule's, the unit
matrix filters, sorts and pages, the transcript, the organisation view, the exports and
the 12-month trend chart."""

from __future__ import annotations

import csv
import datetime
import io
import itertools

import openpyxl
import pytest
from django.db.models import F
from django.utils import timezone

from training import reporting, schedule, services
from training.models import Assignment, ComplianceSnapshot, Requirement, StaffProfile, Status

from ..conftest import SAMPLE_SPEC, publish_module, require
from ..factories import RoleFactory, StaffProfileFactory, UnitFactory, UserFactory
from .test_reports import pass_module

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
D = datetime.timedelta


def csv_rows(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body)))


def xlsx_rows(response):
    body = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


# --- the status in SQL is the schedule's status -------------------------------------------


def test_sql_status_agrees_with_the_schedule_for_every_case(people, module):
    """Every combination of due date, grace, extension, completion, validity, renewal and
    exemption around today gets the same status from SQL as from schedule.status_on."""
    requirements = {
        grace: Requirement.objects.create(
            name=f"grace {grace}", module=module, due_days=30, grace_days=grace
        )
        for grace in (0, 7)
    }
    offsets = (-40, -8, -7, -1, 0, 1, 29, 30, 31)
    cases = []
    for grace, due, extended, completed, valid, renews, exempt in itertools.product(
        (0, 7),
        offsets,
        (None, 3),
        (None, -5),
        (None, -1, 0, 10),
        (False, True),
        (False, True),
    ):
        if completed is None and valid is not None:
            continue
        user = UserFactory()
        due_on = TODAY + D(due)
        cases.append(
            Assignment(
                user=user,
                requirement=requirements[grace],
                cycle=1,
                assigned_on=TODAY - D(100),
                starts_on=TODAY - D(100),
                due_on=due_on,
                extended_to=due_on + D(extended) if extended else None,
                completed_on=TODAY + D(completed) if completed is not None else None,
                valid_until=TODAY + D(valid) if valid is not None else None,
                renews_until=due_on if renews else None,
                exempt=exempt,
            )
        )
    Assignment.objects.bulk_create(cases)
    graces = {grace: (requirement.pk,) for grace, requirement in requirements.items()}
    ctx = reporting.Context(today=TODAY, window=30, graces=graces)
    sql = dict(
        ctx.annotate(Assignment.objects.filter(pk__in=[a.pk for a in cases]))
        .annotate(computed=F("status"))
        .values_list("pk", "computed")
    )
    compliant = set(
        ctx.annotate(Assignment.objects.filter(pk__in=[a.pk for a in cases]))
        .filter(reporting.compliant_q())
        .values_list("pk", flat=True)
    )
    assert len(cases) > 300
    for a in Assignment.objects.filter(pk__in=sql).select_related("requirement"):
        expected = a.status_on(TODAY, due_soon_days=30, started=False)
        got = sql[a.pk]
        assert got == (reporting.TO_DO if expected == Status.NOT_STARTED else expected), a.__dict__
        assert (a.pk in compliant) == schedule.is_compliant(expected, renewal=a.renewal)


# --- the unit matrix ----------------------------------------------------------------------


@pytest.fixture
def ward(people, module, site):
    """NICU with a second requirement and nurses in every state."""
    second = publish_module(site.catalogue, dict(SAMPLE_SPEC, slug="second", title="Second"))
    require(second, roles=[people.nurse_role], due_days=60)
    pass_module(people.staff, module)  # Amara: first completed, second not started
    late = StaffProfileFactory(
        user=UserFactory(first_name="Tomasz", last_name="Nowak"),
        role=people.nurse_role,
        unit=people.nicu,
        start_date=TODAY - D(400),
        employee_id="E-LATE",
    )
    services.assignments_sync(user_ids=[late.user_id])  # first overdue, second not started
    new = StaffProfileFactory(
        user=UserFactory(first_name="Ines", last_name="Abara"),
        role=people.nurse_role,
        unit=people.nicu,
        start_date=TODAY - D(10),
    )
    services.assignments_sync(user_ids=[new.user_id])  # first due soon (in 20 days)
    services.attempt_start(user=new.user, module=second)  # second in progress
    return {"second": second, "late": late, "new": new}


def _names(response):
    """The people listed in the matrix, in the order shown."""
    page = response.content.decode()
    assert response.status_code == 200
    if 'id="staff-matrix"' not in page:
        # Nobody matches: no matrix, and the page says so (not a page that lost its table).
        assert "No one in this unit matches these filters." in page
        return []
    html = page.split('id="staff-matrix"')[1]
    found = [
        n
        for n in ("Amara Okafor", "Tomasz Nowak", "Ines Abara", "Dan Reyes", "Olga Petrova")
        if n in html
    ]
    return sorted(found, key=html.index)


def test_matrix_filters_by_status_role_requirement_and_name(people, ward, login):
    client = login(people.manager)
    url = f"/reports/units/{people.nicu.pk}/"
    assert _names(client.get(url)) == ["Ines Abara", "Tomasz Nowak", "Amara Okafor", "Dan Reyes"]
    assert _names(client.get(url, {"status": "late"})) == ["Tomasz Nowak"]
    assert _names(client.get(url, {"status": "overdue"})) == ["Tomasz Nowak"]
    assert _names(client.get(url, {"status": "due_soon"})) == ["Ines Abara"]
    assert _names(client.get(url, {"status": "in_progress"})) == ["Ines Abara"]
    # Amara has started nothing of the second module (she passed the first).
    assert _names(client.get(url, {"status": "completed"})) == ["Amara Okafor"]
    second = Requirement.objects.get(module=ward["second"])
    assert _names(client.get(url, {"status": "completed", "requirement": second.pk})) == []
    assert _names(client.get(url, {"status": "not_compliant"})) == [
        "Ines Abara",
        "Tomasz Nowak",
        "Amara Okafor",
    ]
    physician = StaffProfile.objects.get(user=people.physician).role
    assert _names(client.get(url, {"role": physician.pk})) == ["Dan Reyes"]
    assert _names(client.get(url, {"q": "nowak"})) == ["Tomasz Nowak"]
    assert _names(client.get(url, {"q": "E-LATE"})) == ["Tomasz Nowak"]
    assert _names(client.get(url, {"q": "ines abara"})) == ["Ines Abara"]
    response = client.get(url, {"requirement": second.pk})
    header = response.content.decode().split('id="staff-matrix"')[1].split("</thead>")[0]
    assert "Second" in header and people.requirement.title not in header


def test_matrix_sorts_most_overdue_first_and_by_role(people, ward, login):
    client = login(people.manager)
    url = f"/reports/units/{people.nicu.pk}/"
    late_first = _names(client.get(url, {"sort": "late"}))
    assert late_first[0] == "Tomasz Nowak"
    html = client.get(url, {"sort": "-name"}).content.decode()
    order = [html.index(n) for n in ("Dan Reyes", "Amara Okafor", "Tomasz Nowak", "Ines Abara")]
    assert order == sorted(order)  # Z to A by last name
    html = client.get(url, {"sort": "role"}).content.decode()
    assert html.index("Dan Reyes") < html.index("Ines Abara")  # Physician before nurses


def test_most_overdue_first_breaks_ties_by_the_oldest_due_date(people, ward, login):
    """More late requirements first; among equals, the one late for longest; then names."""

    def nurse(first, last, days_in_post):
        profile = StaffProfileFactory(
            user=UserFactory(first_name=first, last_name=last),
            role=people.nurse_role,
            unit=people.nicu,
            start_date=TODAY - D(days_in_post),
        )
        services.assignments_sync(user_ids=[profile.user_id])
        return profile

    # The first requirement falls due 30 days after the later of the start date and the
    # requirement's start a year ago; the second is not due for weeks yet.
    nurse("Ola", "Older", 900)  # first late since the same day as Tomasz's
    nurse("Yan", "Younger", 120)  # first late for 90 days
    two_late = nurse("Una", "Twolate", 80)  # first late for 50 days, and (below) the second
    Assignment.objects.filter(user=two_late.user, requirement__module=ward["second"]).update(
        due_on=TODAY - D(5)
    )
    staff = reporting.staff_queryset(
        unit=people.nicu,
        filters=reporting.MatrixFilters(sort="late"),
        ctx=reporting.Context.load(TODAY),
    )
    order = [p.user.get_full_name() for p in staff]
    assert order[:4] == ["Una Twolate", "Tomasz Nowak", "Ola Older", "Yan Younger"]
    # Nothing late: after everyone who is, in name order.
    assert order[4:] == ["Ines Abara", "Amara Okafor", "Dan Reyes"]
    page = login(people.manager).get(f"/reports/units/{people.nicu.pk}/?sort=late")
    assert _names(page) == ["Tomasz Nowak", "Ines Abara", "Amara Okafor", "Dan Reyes"]


def test_matrix_cell_says_since_when(people, ward, login):
    html = login(people.manager).get(f"/reports/units/{people.nicu.pk}/").content.decode()
    due = max(ward["late"].start_date, people.requirement.effective_from) + D(30)
    assert f"due {due.isoformat()} · {(TODAY - due).days} days late" in html


def test_matrix_pages_and_keeps_filters_in_the_links(people, module, login):
    for i in range(30):
        StaffProfileFactory(
            user=UserFactory(first_name="Pat", last_name=f"Zed{i:02d}"),
            role=people.nurse_role,
            unit=people.nicu,
        )
    services.assignments_sync()
    client = login(people.manager)
    url = f"/reports/units/{people.nicu.pk}/"
    first = client.get(f"{url}?per_page=25&q=zed").content.decode()
    assert "Showing 1–25 of 30 matching people (32 active staff in the unit)" in first
    assert "Zed00" in first and "Zed29" not in first
    assert "?per_page=25&amp;q=zed&amp;page=2" in first
    second = client.get(url, {"per_page": 25, "q": "zed", "page": 2}).content.decode()
    assert "Zed29" in second and "Zed00" not in second
    # A page past the end shows the last page rather than an error.
    assert "Zed29" in client.get(url, {"per_page": 25, "q": "zed", "page": 99}).content.decode()


@pytest.mark.parametrize(
    "params, message",
    [
        ({"role": "999999"}, "Select a valid choice"),
        ({"status": "asleep"}, "Select a valid choice"),
        ({"requirement": "abc"}, "Select a valid choice"),
        ({"q": "x" * 101}, "at most 100 characters"),
    ],
)
def test_bad_filters_get_a_message_and_400(people, ward, login, params, message):
    response = login(people.manager).get(f"/reports/units/{people.nicu.pk}/", params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_another_units_requirement_or_role_is_refused(people, login):
    picu_role = RoleFactory(name="PICU only")
    StaffProfileFactory(role=picu_role, unit=people.picu)
    response = login(people.manager).get(
        f"/reports/units/{people.nicu.pk}/", {"role": picu_role.pk}
    )
    assert response.status_code == 400


def test_matrix_export_follows_the_filters_and_covers_every_page(people, ward, login):
    client = login(people.manager)
    url = f"/reports/units/{people.nicu.pk}/"
    rows = csv_rows(client.get(url, {"status": "late", "export": "csv", "table": "matrix"}))
    assert [r[2] for r in rows[1:]] == ["Tomasz Nowak"]
    rows = csv_rows(client.get(url, {"per_page": 25, "page": 1, "export": "csv"}))
    assert len(rows) == 1 + 4
    xlsx = xlsx_rows(client.get(url, {"export": "xlsx", "table": "matrix"}))
    assert xlsx[0][:4] == ["Unit", "Employee ID", "Name", "Role"]
    amara = next(r for r in xlsx if r[2] == "Amara Okafor")
    assert amara[4] == "Completed" and amara[5].date() == TODAY


def test_xlsx_cells_are_neutralised_too(people, login):
    StaffProfileFactory(
        user=UserFactory(first_name="=HYPERLINK(1)", last_name="@x"),
        role=RoleFactory(name="+Role"),
        unit=people.nicu,
        employee_id="\tE1",
    )
    rows = xlsx_rows(
        login(people.manager).get(f"/reports/units/{people.nicu.pk}/?export=xlsx&table=matrix")
    )
    evil = next(r for r in rows if "HYPERLINK" in (r[2] or ""))
    assert evil[1] == "'\tE1" and evil[2].startswith("'=") and evil[3] == "'+Role"


def test_roles_table_exports(people, ward, login):
    rows = csv_rows(
        login(people.manager).get(f"/reports/units/{people.nicu.pk}/?export=csv&table=roles")
    )
    assert rows[0][:4] == ["Unit", "Role", "Active staff", "Required"]
    nurses = next(r for r in rows if r[1] == "Registered nurse")
    # Three nurses x two requirements; Amara's first module is the one compliant cell.
    assert nurses[2:6] == ["3", "6", "1", "16"]


# --- the reports home and the organisation -------------------------------------------------


def test_home_counts_and_people_overdue(people, ward, login):
    html = login(people.manager).get("/reports/").content.decode()
    assert '<strong class="attune-figure">1</strong> overdue' in html
    assert '<strong class="attune-figure">1</strong> person overdue or expired' in html
    assert f"/reports/units/{people.nicu.pk}/?status=late&amp;sort=late" in html


def test_organisation_sorts_units_and_exports_every_person(people, ward, login):
    quiet = UnitFactory(name="AAA quiet unit")
    StaffProfileFactory(role=RoleFactory(name="Clerk"), unit=quiet)
    client = login(people.lead)
    html = client.get("/reports/organisation/", {"sort": "compliance"}).content.decode()
    # PICU (0%) comes before NICU (1 of 6); the quiet unit has nothing required (last).
    assert html.index(">PICU<") < html.index(">NICU<") < html.index(">AAA quiet unit<")
    rows = csv_rows(client.get("/reports/organisation/?export=csv&table=staff"))
    names = {r[2] for r in rows[1:]}
    assert {"Amara Okafor", "Olga Petrova", "Tomasz Nowak", "Ines Abara"} <= names
    units = csv_rows(client.get("/reports/organisation/?export=csv&table=units"))
    assert units[0][-2:] == ["Physician compliant %", "Registered nurse compliant %"]
    picu = next(r for r in units if r[0] == "PICU")
    assert picu[4] == "0"


def test_organisation_is_for_leads(people, login):
    assert login(people.manager).get("/reports/organisation/").status_code == 403


# --- a person's transcript ---------------------------------------------------------------


def test_transcript_lists_requirements_completions_certificates_and_attempts(
    people, ward, module, login
):
    html = login(people.manager).get(f"/reports/people/{people.staff.pk}/").content.decode()
    certificate = people.staff.certificates.get()
    assert "Amara Okafor" in html and certificate.display_code in html
    assert f"/certificates/{certificate.pk}/pdf/" in html
    assert module.title in html and "Passed" in html and "100%" in html
    assert "Second" in html and "Not started" in html
    rows = csv_rows(
        login(people.manager).get(
            f"/reports/people/{people.staff.pk}/?export=csv&table=completions"
        )
    )
    assert rows[1][0] == module.title and rows[1][4] == certificate.display_code


def test_transcript_of_another_units_person_is_404(people, login):
    assert login(people.manager).get(f"/reports/people/{people.other_staff.pk}/").status_code == 404


def test_matrix_names_open_the_transcript(people, ward, login):
    html = login(people.manager).get(f"/reports/units/{people.nicu.pk}/").content.decode()
    assert f'href="/reports/people/{people.staff.pk}/"' in html


# --- the trend chart -----------------------------------------------------------------------


def test_trend_chart_draws_the_snapshots_and_tabulates_each_month(people, login):
    for days_ago, compliant in ((200, 1), (199, 2), (10, 3), (0, 4)):
        ComplianceSnapshot.objects.create(
            taken_on=TODAY - D(days_ago),
            unit=people.nicu,
            requirement=people.requirement,
            assigned=5,
            compliant=compliant,
            overdue=0,
            exempt=1,
            taken_at=timezone.now(),
        )
    html = login(people.manager).get(f"/reports/units/{people.nicu.pk}/").content.decode()
    assert '<svg viewBox="0 0 640 220" role="img"' in html
    # Two days in a row make a line; after a gap of months, single days are dots.
    assert html.count("<polyline") == 1 and html.count("<circle") == 2
    assert "latest " in html and "100% (4 of 4)" in html
    month = (TODAY - D(200)).replace(day=1)
    assert month.strftime("%B %Y") in html


def test_trend_chart_says_when_there_are_no_snapshots(people, login):
    html = login(people.manager).get(f"/reports/units/{people.nicu.pk}/").content.decode()
    assert "No daily compliance snapshots in the last 12 months yet" in html
    assert "<svg" not in html
