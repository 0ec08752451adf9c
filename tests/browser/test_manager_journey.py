"""The unit manager's journey in a real browser: from the reports home to who is overdue, to
that person's training record, and a download of the filtered matrix.

Runs at phone and desktop size, saving screenshots to test-artifacts/screenshots/
(manager-NN-step-<viewport>.png).
"""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.factories import StaffProfileFactory, UserFactory
from training import services

pytestmark = [pytest.mark.browser]


def test_manager_finds_who_is_overdue(app_server, committed_db, people, new_context, screenshot):
    late = StaffProfileFactory(
        user=UserFactory(first_name="Tomasz", last_name="Nowak"),
        role=people.nurse_role,
        unit=people.nicu,
        start_date=timezone.localdate() - datetime.timedelta(days=400),
    )
    services.assignments_sync(user_ids=[late.user_id])
    base = app_server.url
    page = new_context().new_page()
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(people.manager.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # 1. The reports home: the manager's unit with its figures and the way to who is overdue.
    page.goto(f"{base}/reports/")
    unit = page.get_by_role("region", name="NICU", exact=True)
    expect(unit.get_by_text("compliant (0 of 2)")).to_be_visible()
    expect(unit.get_by_text("No daily compliance snapshots")).to_be_visible()
    screenshot(page, "manager-01-home")

    # 2. Who is overdue: the matrix filtered and sorted, with days late in the cell.
    unit.get_by_role("link", name="Who is overdue (1)").click()
    matrix = page.get_by_role("table", name="NICU: staff and requirements")
    expect(matrix.locator("tbody tr")).to_have_count(1)
    expect(matrix).to_contain_text("Tomasz Nowak")
    expect(matrix).to_contain_text("days late")
    header = matrix.locator("thead th").first
    assert header.evaluate("th => getComputedStyle(th).position") == "sticky"
    screenshot(page, "manager-02-overdue")

    # 3. The filtered matrix downloads as CSV with just that person.
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile(r"these staff.* as CSV$")).click()
    rows = list(csv.reader(io.StringIO(info.value.path().read_text(encoding="utf-8"))))
    assert [r[2] for r in rows[1:]] == ["Tomasz Nowak"]
    assert rows[1][4] == "Overdue"

    # 4. The name opens the person's training record.
    matrix.get_by_role("link", name="Tomasz Nowak").click()
    expect(page.get_by_role("heading", name="Tomasz Nowak", level=1)).to_be_visible()
    expect(page.get_by_text("No completions yet.")).to_be_visible()
    screenshot(page, "manager-03-person")
