"""Reports → Compliance in the Wagtail admin: the same tables as the /reports/ pages, through
Wagtail's report views (listing, paging, export)."""

import csv
import io

import pytest

from training import services

from ..factories import StaffProfileFactory, UserFactory
from .test_reports import _count, pass_module

pytestmark = pytest.mark.django_db


def csv_rows(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_units_report_lists_every_unit_and_links_to_its_matrix(people, module, login):
    pass_module(people.staff, module)
    html = login(people.lead).get("/admin/reports/compliance/").content.decode()
    assert "Compliance by unit" in html
    assert f'href="/admin/reports/compliance/{people.nicu.pk}/"' in html
    assert "PICU" in html and "Registered nurse compliant %" in html


def test_admin_export_is_the_front_end_export(people, module, login):
    pass_module(people.staff, module)
    client = login(people.lead)
    admin = csv_rows(client.get("/admin/reports/compliance/?export=csv"))
    front = csv_rows(client.get("/reports/organisation/?export=csv&table=units"))
    assert admin == front and len(admin) == 3
    admin = csv_rows(client.get(f"/admin/reports/compliance/{people.nicu.pk}/?export=csv"))
    front = csv_rows(client.get(f"/reports/units/{people.nicu.pk}/?export=csv&table=matrix"))
    assert admin == front
    assert [r[4] for r in admin if r[2] == "Amara Okafor"] == ["Completed"]


def test_unit_matrix_pages_fifty_at_a_time(people, login):
    for i in range(55):
        StaffProfileFactory(
            user=UserFactory(first_name="Pat", last_name=f"Zed{i:02d}"),
            role=people.nurse_role,
            unit=people.nicu,
        )
    services.assignments_sync()
    client = login(people.lead)
    first = client.get(f"/admin/reports/compliance/{people.nicu.pk}/").content.decode()
    assert "Amara Okafor" in first and "Pat Zed45" in first and "Pat Zed50" not in first
    second = client.get(f"/admin/reports/compliance/{people.nicu.pk}/?p=2").content.decode()
    assert "Pat Zed50" in second and "Amara Okafor" not in second


def test_unknown_unit_is_404(people, login):
    assert login(people.admin).get("/admin/reports/compliance/999999/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/admin/reports/compliance/",
        "/admin/reports/compliance/{nicu}/",
        "/admin/reports/compliance/{nicu}/?export=xlsx",
    ],
)
def test_admin_report_queries_do_not_grow(people, module, login, url):
    client = login(people.lead)
    url = url.format(nicu=people.nicu.pk)

    def grow(n):
        for _ in range(n):
            for unit in (people.nicu, people.picu):
                profile = StaffProfileFactory(role=people.nurse_role, unit=unit)
                services.assignments_sync(user_ids=[profile.user_id])
                pass_module(profile.user, module)

    grow(2)
    small = _count(client, url)
    grow(20)
    assert _count(client, url) == small
