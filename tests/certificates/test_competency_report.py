"""A unit's competency report PDF: asked for over HTTP, built by the background task, shown
while pending, downloaded when ready; what the PDF says; who may ask and see it; a failed
render is recorded, never a 500 and never left pending."""

from __future__ import annotations

import copy
import datetime
import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from certificates import services
from certificates.models import CompetencyReport
from training.models import Attempt

from ..conftest import SAMPLE_SPEC, correct_answers, publish_module, require
from ..factories import StaffProfileFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

KINDS = ["staff", "manager", "other_manager", "lead", "educator", "admin", "anonymous"]
DETAIL = re.compile(r"^/reports/documents/(\d+)/$")


def _client(client, people, kind):
    client.logout()
    if kind != "anonymous":
        client.force_login(getattr(people, kind))
    return client


def ask(client, unit, capture):
    """POST the request as the browser's button does, running the on-commit task."""
    with capture(execute=True):
        return client.post(f"/reports/units/{unit.pk}/report.pdf")


def report_from(response) -> CompetencyReport:
    assert response.status_code == 302, response.status_code
    match = DETAIL.match(response["Location"])
    assert match, response["Location"]
    return CompetencyReport.objects.get(pk=int(match[1]))


def pdf_text(response) -> tuple[str, PdfReader]:
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), reader


@pytest.fixture
def nicu_passed(people, module, client):
    """In NICU the nurse Amara has passed the module; a second nurse, Bea, has not; the
    physician Dan is not required to take it. Compliance: 1 of 2, 50%."""
    client.force_login(people.staff)
    location = client.post(f"/learn/modules/{module.pk}/start/")["Location"]
    attempt = Attempt.objects.get(pk=int(re.search(r"(\d+)/$", location)[1]))
    client.post(location, correct_answers(attempt.questions))
    client.logout()
    StaffProfileFactory(
        user=UserFactory(username="bea", first_name="Bea", last_name="Quist"),
        role=people.nurse_role,
        unit=people.nicu,
    )
    from training import services as training_services

    training_services.assignments_sync(requirement_ids=[people.requirement.pk])
    return people


@pytest.fixture
def manager_report(people, login, django_capture_on_commit_callbacks):
    """The NICU manager's ready report."""
    report = report_from(
        ask(login(people.manager), people.nicu, django_capture_on_commit_callbacks)
    )
    report.refresh_from_db()
    assert report.status == CompetencyReport.State.READY
    login(people.manager).logout()
    return report


# --- the journey ------------------------------------------------------------------------


def test_manager_asks_follows_and_downloads_the_pdf(
    nicu_passed, login, django_capture_on_commit_callbacks
):
    people = nicu_passed
    client = login(people.manager)
    response = ask(client, people.nicu, django_capture_on_commit_callbacks)
    report = report_from(response)

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Ready" in html and "Download the PDF" in html
    assert timezone.localdate().strftime("%-d %B %Y") in html  # the as-of date
    assert 'http-equiv="refresh"' not in html
    download_url = f"/reports/documents/{report.pk}/download/"
    assert download_url in html

    download = client.get(download_url)
    today = timezone.localdate()
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert f'filename="attune-nicu-competency-{today}.pdf"' in download["Content-Disposition"]
    assert download["Content-Disposition"].startswith("attachment")
    text, reader = pdf_text(download)
    assert "Competency report: NICU" in text
    assert "Children's Hospital" in text  # organisation name from the site settings
    assert "50%" in text and "compliant (1 of 2 required)" in text
    assert "Amara Okafor" in text and "Bea Quist" in text and "Dan Reyes" in text
    # The people table: each person's row carries their status on the requirement and its
    # date (a one-time requirement: the day it was completed; not yet done: the due date).
    assert re.search(rf"Amara Okafor \S+ · Registered nurse Completed on {today}", text)
    bea_due = today + datetime.timedelta(days=20)  # started 10 days ago, 30 days to complete
    assert re.search(rf"Bea Quist \S+ · Registered nurse Due soon due {bea_due}", text)
    assert re.search(r"Dan Reyes \S+ · Physician Not required", text)
    assert "How to read this report" in text
    assert f"Page 1 of {len(reader.pages)}" in text
    assert reader.metadata.title.startswith("Competency report: NICU")

    report.refresh_from_db()
    assert report.as_of == today
    assert report.staff_count == 3 and report.finished_at and report.error == ""


def test_pdf_shows_every_requirement_of_the_unit(
    people, site, login, django_capture_on_commit_callbacks
):
    titles = []
    for n in (1, 2):
        spec = copy.deepcopy(SAMPLE_SPEC)
        spec["slug"] = f"extra-module-{n}"
        spec["title"] = f"Extra module {n}: soothing and settling"
        page = publish_module(site.catalogue, spec)
        require(
            page,
            roles=[people.nurse_role],
            due_days=30,
            effective_from=timezone.localdate() - datetime.timedelta(days=365),
        )
        titles.append(spec["title"])
    titles.append(people.requirement.title)
    client = login(people.manager)
    report = report_from(ask(client, people.nicu, django_capture_on_commit_callbacks))
    text, _reader = pdf_text(client.get(f"/reports/documents/{report.pk}/download/"))
    for title in titles:
        assert title in text
    assert "3 requirements" in text


def test_a_unit_without_staff_still_gets_a_report(
    people, login, django_capture_on_commit_callbacks
):
    empty = UnitFactory(name="Cardiology & <Heart> clinic")
    client = login(people.lead)
    report = report_from(ask(client, empty, django_capture_on_commit_callbacks))
    page = client.get(f"/reports/documents/{report.pk}/").content.decode()
    assert "Cardiology &amp; &lt;Heart&gt; clinic" in page
    download = client.get(f"/reports/documents/{report.pk}/download/")
    assert "attune-cardiology-heart-clinic-competency-" in download["Content-Disposition"]
    text, _reader = pdf_text(download)
    assert "Competency report: Cardiology & <Heart> clinic" in text
    assert "No active staff in this unit." in text and "0 requirements" in text


def test_get_on_the_request_url_is_405(people, login):
    response = login(people.manager).get(f"/reports/units/{people.nicu.pk}/report.pdf")
    assert response.status_code == 405
    assert not CompetencyReport.objects.exists()


def test_pending_report_page_refreshes_itself_and_download_waits(people, login):
    client = login(people.manager)
    response = client.post(f"/reports/units/{people.nicu.pk}/report.pdf")  # task not run yet
    report = report_from(response)
    assert report.status == CompetencyReport.State.PENDING
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="5">' in html
    assert page["Refresh"] == "5"
    assert "Check again" in html and f'href="/reports/documents/{report.pk}/"' in html
    download = client.get(f"/reports/documents/{report.pk}/download/")
    assert download.status_code == 302 and download["Location"] == response["Location"]


def test_asking_twice_while_pending_queues_one_render(
    people, login, django_capture_on_commit_callbacks
):
    client = login(people.manager)
    with django_capture_on_commit_callbacks() as callbacks:
        first = report_from(client.post(f"/reports/units/{people.nicu.pk}/report.pdf"))
    with django_capture_on_commit_callbacks() as again:
        second = report_from(client.post(f"/reports/units/{people.nicu.pk}/report.pdf"))
    assert first.pk == second.pk and len(callbacks) == 1 and len(again) == 0


def test_a_lost_pending_report_offers_try_again(people, login, django_capture_on_commit_callbacks):
    client = login(people.manager)
    lost = report_from(client.post(f"/reports/units/{people.nicu.pk}/report.pdf"))
    CompetencyReport.objects.filter(pk=lost.pk).update(
        requested_at=timezone.now() - datetime.timedelta(hours=1)
    )
    html = client.get(f"/reports/documents/{lost.pk}/").content.decode()
    assert "taking longer than it should" in html and "Try again" in html
    assert 'http-equiv="refresh"' not in html
    fresh = report_from(ask(client, people.nicu, django_capture_on_commit_callbacks))
    assert fresh.pk != lost.pk
    fresh.refresh_from_db()
    assert fresh.status == CompetencyReport.State.READY


# --- failures -----------------------------------------------------------------------------


def test_a_render_failure_is_recorded_and_shown_not_a_500(
    people, login, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(context):
        raise RuntimeError("WeasyPrint could not load a font")

    monkeypatch.setattr(services, "render_competency_report_pdf", broken)
    client = login(people.manager)
    response = ask(client, people.nicu, django_capture_on_commit_callbacks)
    report = report_from(response)
    report.refresh_from_db()
    assert report.status == CompetencyReport.State.FAILED
    assert "WeasyPrint could not load a font" in report.error
    assert report.finished_at and not report.file

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "could not be built" in html and "WeasyPrint could not load a font" in html
    assert f'action="/reports/units/{people.nicu.pk}/report.pdf"' in html
    assert "Try again" in html
    download = client.get(f"/reports/documents/{report.pk}/download/")
    assert download.status_code == 302  # back to the page that explains

    monkeypatch.undo()
    retry = report_from(ask(client, people.nicu, django_capture_on_commit_callbacks))
    retry.refresh_from_db()
    assert retry.pk != report.pk and retry.status == CompetencyReport.State.READY


def test_rendering_a_finished_report_again_changes_nothing(manager_report):
    name = manager_report.file.name
    again = services.competency_report_render(report_id=manager_report.pk)
    assert again.status == CompetencyReport.State.READY and again.file.name == name


@pytest.mark.parametrize(
    "url",
    [
        "/reports/units/999999/report.pdf",
        "/reports/units/99999999999999999999/report.pdf",
    ],
)
def test_unknown_unit_is_404(people, login, url):
    assert login(people.lead).post(url).status_code == 404
    assert not CompetencyReport.objects.exists()


@pytest.mark.parametrize("suffix", ["", "download/"])
@pytest.mark.parametrize("pk", [999999, 99999999999999999999])
def test_unknown_document_is_404(people, login, pk, suffix):
    assert login(people.manager).get(f"/reports/documents/{pk}/{suffix}").status_code == 404


# --- who may do what ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, expected",
    list(zip(KINDS, [403, 302, 404, 302, 403, 302, 302], strict=True)),
)
def test_who_may_ask_for_nicus_report(
    people, client, kind, expected, django_capture_on_commit_callbacks
):
    response = ask(_client(client, people, kind), people.nicu, django_capture_on_commit_callbacks)
    assert response.status_code == expected
    if kind == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    elif expected == 302:
        assert DETAIL.match(response["Location"])
    assert CompetencyReport.objects.count() == (1 if expected == 302 and kind != "anonymous" else 0)


def test_other_manager_may_ask_for_their_own_unit(
    people, login, django_capture_on_commit_callbacks
):
    response = ask(login(people.other_manager), people.picu, django_capture_on_commit_callbacks)
    assert DETAIL.match(response["Location"])


# Only the person who asked sees a document. Staff and educators see no reports at all, so
# they get the 403 every /reports/ page gives them; anyone else who may see reports gets a
# 404 for a document that is not theirs (the id tells them nothing).
DOCUMENT_ACCESS = [200, 403, 404, 404, 403, 404, "login"]


@pytest.mark.parametrize("suffix", ["", "download/"])
@pytest.mark.parametrize(
    "kind, expected",
    list(
        zip(
            ["manager", "staff", "other_manager", "lead", "educator", "admin", "anonymous"],
            DOCUMENT_ACCESS,
            strict=True,
        )
    ),
)
def test_who_may_see_the_managers_document(people, client, manager_report, kind, expected, suffix):
    response = _client(client, people, kind).get(f"/reports/documents/{manager_report.pk}/{suffix}")
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == expected


def test_a_document_of_another_unit_is_not_reachable_by_id(
    people, login, manager_report, django_capture_on_commit_callbacks
):
    picu = report_from(
        ask(login(people.other_manager), people.picu, django_capture_on_commit_callbacks)
    )
    client = login(people.manager)
    for url in (f"/reports/documents/{picu.pk}/", f"/reports/documents/{picu.pk}/download/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/reports/units/{people.picu.pk}/report.pdf").status_code == 404


def test_a_requester_who_stops_managing_the_unit_loses_the_document(people, login, manager_report):
    client = login(people.manager)
    assert client.get(f"/reports/documents/{manager_report.pk}/").status_code == 200
    people.nicu.managers.remove(people.manager)
    people.picu.managers.add(people.manager)  # still sees reports, just not NICU's
    for suffix in ("", "download/"):
        assert client.get(f"/reports/documents/{manager_report.pk}/{suffix}").status_code == 404


def test_the_service_refuses_a_unit_the_user_may_not_see(people):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.competency_report_request(unit=people.picu, user=people.manager)
    assert not CompetencyReport.objects.exists()


# --- history ------------------------------------------------------------------------------


def test_history_records_the_requester(people, manager_report):
    records = list(manager_report.history.order_by("history_date", "history_id"))
    assert [r.history_type for r in records] == ["+", "~"]
    assert all(r.history_user == people.manager for r in records)
    assert [r.status for r in records] == ["pending", "ready"]


# --- cost ---------------------------------------------------------------------------------


def test_building_the_report_costs_the_same_queries_at_any_size(people):
    """The PDF reads through training's report selectors: the staff come in batches, so the
    query count does not grow with the unit (until a batch of 1,000)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from training import services as training_services

    def queries() -> int:
        report = services.competency_report_request(unit=people.nicu, user=people.manager)
        with CaptureQueriesContext(connection) as captured:
            services.competency_report_render(report_id=report.pk)
        report.refresh_from_db()
        assert report.status == CompetencyReport.State.READY
        return len(captured)

    queries()  # warm caches (site settings, content types)
    small = queries()
    StaffProfileFactory.create_batch(6, role=people.nurse_role, unit=people.nicu)
    training_services.assignments_sync(requirement_ids=[people.requirement.pk])
    assert queries() == small
