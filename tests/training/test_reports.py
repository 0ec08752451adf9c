"""Manager reports: the unit matrix, % complete overall and per role, CSV export,
and query counts that do not grow with the data."""

import csv
import datetime
import io
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from modules.models import ModuleIndexPage, TrainingModulePage
from training import services
from training.models import Attempt, StaffProfile

from ..conftest import (
    SAMPLE_SPEC,
    correct_answers,
    publish_module,
    require,
    rolled_back,
    shared_people,
)
from ..factories import RoleFactory, StaffProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def pass_module(user, module):
    attempt = services.attempt_start(user=user, module=module)
    answers = {k[2:]: v for k, v in correct_answers(attempt.questions).items()}
    services.attempt_submit(attempt_id=attempt.pk, user=user, answers=answers)


def csv_rows(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body)))


def test_staff_without_units_get_403(people, login):
    assert login(people.staff).get("/reports/").status_code == 403


def test_matrix_shows_status_per_person_and_percent_complete(people, module, login):
    pass_module(people.staff, module)
    late = StaffProfileFactory(
        user=UserFactory(username="late", first_name="Tomasz", last_name="Nowak"),
        role=people.nurse_role,
        unit=people.nicu,
        start_date=timezone.localdate() - datetime.timedelta(days=400),
    )
    services.assignments_sync(user_ids=[late.user_id])
    html = login(people.manager).get(f"/reports/units/{people.nicu.pk}/").content.decode()
    assert "Amara Okafor" in html and "Tomasz Nowak" in html
    assert "Completed" in html and "Overdue" in html
    assert "Not required" in html  # the physician's cell
    assert "50%" in html  # 1 of 2 nurses passed
    assert late.employee_id in html
    # Per role: the nurses' row carries the same 1 of 2.
    assert "Registered nurse" in html and "1 / 2" in html


def test_reports_home_summarises_each_managed_unit(people, module, login):
    pass_module(people.staff, module)
    html = login(people.manager).get("/reports/").content.decode()
    assert "NICU" in html and "100%</strong> compliant (1 of 1)" in html
    assert f'href="/reports/units/{people.nicu.pk}/"' in html
    assert "PICU" not in html and "Olga Petrova" not in html


def test_education_lead_sees_the_organisation_and_every_unit(people, login):
    html = login(people.lead).get("/reports/").content.decode()
    assert "Whole organisation" in html and 'href="/reports/organisation/"' in html
    html = login(people.lead).get("/reports/organisation/").content.decode()
    assert "NICU" in html and "PICU" in html


def test_csv_has_the_same_matrix(people, module, login):
    pass_module(people.staff, module)
    response = login(people.manager).get(f"/reports/units/{people.nicu.pk}/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="attune-nicu-' in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][:4] == ["Unit", "Employee ID", "Name", "Role"]
    assert rows[0][4] == f"{module.title} – status"
    by_name = {r[2]: r for r in rows[1:]}
    assert by_name["Amara Okafor"][4:] == ["Completed", timezone.localdate().isoformat()]
    assert by_name["Dan Reyes"][4] == "Not required"
    assert "Olga Petrova" not in by_name


def test_csv_neutralises_spreadsheet_formulas(people, login):
    StaffProfileFactory(
        user=UserFactory(username="evil", first_name="=HYPERLINK(1)", last_name="@x"),
        role=RoleFactory(name="+Role"),
        unit=people.nicu,
        employee_id="-E1",
    )
    rows = csv_rows(login(people.manager).get(f"/reports/units/{people.nicu.pk}/export.csv"))
    evil = next(r for r in rows if "HYPERLINK" in r[2])
    assert evil[1] == "'-E1" and evil[2].startswith("'=") and evil[3] == "'+Role"


def test_inactive_staff_leave_the_report(people, login):
    profile = StaffProfile.objects.get(user=people.staff)
    profile.active = False
    profile.save()
    html = login(people.manager).get(f"/reports/units/{people.nicu.pk}/").content.decode()
    assert "Amara Okafor" not in html


def _grow(people, site, *, staff, modules):
    """Add `staff` nurses to NICU and PICU and `modules` more required modules; a third of
    the new nurses pass every module, and the measured nurse passes them all."""
    new_modules = []
    for _ in range(modules):
        n = TrainingModulePage.objects.count() + 1
        page = publish_module(
            site.catalogue, dict(SAMPLE_SPEC, slug=f"extra-{n}", title=f"Extra module {n}")
        )
        require(page, roles=[people.nurse_role], due_days=30)
        new_modules.append(page)
        pass_module(people.staff, page)
    everything = list(TrainingModulePage.objects.live())
    for i in range(staff):
        for unit in (people.nicu, people.picu):
            profile = StaffProfileFactory(role=people.nurse_role, unit=unit)
            services.assignments_sync(user_ids=[profile.user_id])
            if i % 3 == 0:
                for page in everything:
                    pass_module(profile.user, page)


# Who opens which page, for the query counts below.
COUNTED = [
    ("manager", "/reports/"),
    ("manager", "/reports/units/{nicu}/"),
    ("manager", "/reports/units/{nicu}/export.csv"),
    ("manager", "/reports/units/{nicu}/?status=late&sort=late&per_page=25"),
    ("manager", "/reports/units/{nicu}/?status=in_progress&q=a&page=2&per_page=25"),
    ("manager", "/reports/units/{nicu}/?export=xlsx&table=matrix"),
    ("manager", "/reports/units/{nicu}/?export=csv&table=roles"),
    ("manager", "/reports/people/{staff_id}/"),
    ("manager", "/reports/?export=xlsx&table=units"),
    ("lead", "/reports/"),
    ("lead", "/reports/organisation/"),
    ("lead", "/reports/organisation/?sort=compliance"),
    ("lead", "/reports/organisation/?export=csv&table=staff"),
    ("lead", "/reports/organisation/?export=xlsx&table=units"),
    ("staff", "/learn/"),
    ("staff", "/certificates/"),
    ("staff", "{module_url}"),
    ("staff", "/learn/attempts/{attempt}/"),
    ("staff", "/modules/"),
]


def _count(client, url):
    """(status, queries) of a page, after a first request warms per-process caches (site
    root, site settings)."""
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    return response.status_code, len(ctx.captured_queries)


@pytest.fixture(scope="module")
def query_counts(django_db_setup, django_db_blocker, tmp_path_factory):
    """Every counted page, measured with little data and again with more: built and measured
    once for this file (the data is rolled back afterwards). {(who, url): (small, large)}, each
    a (status, queries) pair."""
    media = tmp_path_factory.mktemp("reports-media")
    with override_settings(MEDIA_ROOT=media), rolled_back(django_db_blocker):
        people = shared_people()
        site = SimpleNamespace(catalogue=ModuleIndexPage.objects.get())
        module = TrainingModulePage.objects.get(slug=SAMPLE_SPEC["slug"])
        clients = {}
        for who in {who for who, _url in COUNTED}:
            clients[who] = Client()
            clients[who].force_login(getattr(people, who))
        pass_module(people.staff, module)
        attempt = Attempt.objects.get(user=people.staff, module=module)
        urls = {
            (who, url): url.format(
                nicu=people.nicu.pk,
                module_url=module.url,
                attempt=attempt.pk,
                staff_id=people.staff.pk,
            )
            for who, url in COUNTED
        }
        _grow(people, site, staff=2, modules=1)
        small = {key: _count(clients[key[0]], url) for key, url in urls.items()}
        _grow(people, site, staff=20, modules=3)
        large = {key: _count(clients[key[0]], url) for key, url in urls.items()}
    return {key: (small[key], large[key]) for key in urls}


@pytest.mark.parametrize("who, url", COUNTED)
def test_query_count_does_not_grow_with_data(query_counts, who, url):
    (small_status, small), (large_status, large) = query_counts[(who, url)]
    assert small_status == 200 and large_status == 200
    assert small == large, f"{url}: {small} queries with little data, {large} with more"
    # A fixed ceiling too: Wagtail's routing of a page URL alone takes ~8 (one per tree level).
    assert large <= 25


def test_matrix_columns_follow_the_catalogue_order(people, site, module, login):
    later = publish_module(site.catalogue, dict(SAMPLE_SPEC, slug="a-first-title", title="A title"))
    require(later, roles=[people.nurse_role], due_days=30)
    rows = csv_rows(login(people.manager).get(f"/reports/units/{people.nicu.pk}/export.csv"))
    # "A title" sorts first alphabetically but comes second in the catalogue.
    assert rows[0][4] == f"{module.title} – status" and rows[0][6] == "A title – status"
