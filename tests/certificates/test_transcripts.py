"""Transcript PDFs: a learner's every completion with its certificate and CE hours totalled
per year, for the learner and for their managers, education leads and admins."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from certificates import rendering, services
from certificates.models import Certificate
from cms.models import OrganisationSettings
from training.models import Attempt, Completion

from ..conftest import SAMPLE_SPEC, correct_answers, publish_module

pytestmark = pytest.mark.django_db

MINE = "/certificates/transcript.pdf"


def person_url(user_id: int) -> str:
    return f"/certificates/people/{user_id}/transcript.pdf"


def pass_over_http(client, module) -> Completion:
    location = client.post(f"/learn/modules/{module.pk}/start/")["Location"]
    attempt = Attempt.objects.get(pk=int(re.search(r"(\d+)/$", location)[1]))
    response = client.post(location, correct_answers(attempt.questions))
    assert response.status_code in (200, 302)
    return Completion.objects.select_related("certificate").get(attempt=attempt)


def another_module(site, n: int, ce_hours: float = 1.25):
    return publish_module(
        site.catalogue,
        {**SAMPLE_SPEC, "slug": f"module-{n}", "title": f"Module {n}", "ce_hours": ce_hours},
    )


def pdf_of(response) -> bytes:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    return response.content


def flat_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def squeezed(text: str) -> str:
    """Without spaces: a certificate code prints over two lines."""
    return re.sub(r"\s+", "", text)


def year_row(text: str, year: int) -> tuple[int, int, str]:
    """(completions, revoked, CE hours) printed in the per-year table for `year`."""
    found = re.search(rf"\b{year} (\d+) (\d+) (\d+(?:\.\d+)?)\b", text)
    assert found, f"no row for {year} in: {text}"
    return int(found[1]), int(found[2]), found[3]


def total_row(text: str) -> tuple[int, int, str]:
    found = re.search(r"All years (\d+) (\d+) (\d+(?:\.\d+)?)", text)
    assert found, text
    return int(found[1]), int(found[2]), found[3]


def test_own_transcript_lists_the_completion_code_hours_and_year_total(people, module, login):
    client = login(people.staff)
    completion = pass_over_http(client, module)
    certificate = completion.certificate
    response = client.get(MINE)
    data = pdf_of(response)
    today = timezone.localdate()
    assert response["Content-Disposition"] == (
        f'attachment; filename="attune-transcript-amara-okafor-{today.isoformat()}.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    text = flat_text(data)
    for expected in (
        "Training transcript",
        "Children's Hospital",
        "Amara Okafor",
        people.staff.staff_profile.employee_id,
        "Registered nurse",
        "NICU",
        module.title,
        f"Revision {certificate.module_revision}",
        completion.completed_on.strftime("%-d %b %Y"),
        "Does not expire",
        "Valid",
        "Page 1 of 1",
        "http://testserver/verify/",
    ):
        assert expected in text, expected
    assert certificate.display_code in squeezed(text)
    assert year_row(text, completion.completed_on.year) == (1, 0, "0.50")
    assert total_row(text) == (1, 0, "0.50")
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata["/Title"] == "Training transcript – Amara Okafor"
    assert reader.metadata["/Author"] == "Children's Hospital"
    # Letter portrait by default.
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_a4_follows_the_organisation_setting(people, module, login, site):
    org = OrganisationSettings.for_default_site()
    org.paper_size = "a4"
    org.organisation_name = "Riverside Children's Hospital"
    org.save()
    client = login(people.staff)
    pass_over_http(client, module)
    data = pdf_of(client.get(MINE))
    reader = PdfReader(io.BytesIO(data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert reader.metadata["/Author"] == "Riverside Children's Hospital"
    assert "Riverside Children's Hospital" in flat_text(data)


def test_completions_in_two_years_give_two_year_rows_and_the_grand_total(
    people, module, login, site, monkeypatch
):
    client = login(people.staff)
    real_now = timezone.now
    earlier = real_now() - datetime.timedelta(days=400)
    monkeypatch.setattr(timezone, "now", lambda: earlier)
    old = pass_over_http(client, module)  # 0.5 CE hours, over a year ago
    monkeypatch.setattr(timezone, "now", real_now)
    new = pass_over_http(client, another_module(site, 2, ce_hours=1.25))
    assert old.completed_on.year != new.completed_on.year
    text = flat_text(pdf_of(client.get(MINE)))
    assert year_row(text, old.completed_on.year) == (1, 0, "0.50")
    assert year_row(text, new.completed_on.year) == (1, 0, "1.25")
    assert total_row(text) == (2, 0, "1.75")
    assert "1.75 CE hours in total" in text
    # Newest first, in the completions table and in the per-year table.
    assert text.index("Module 2") < text.index(module.title)
    assert text.index(f"{new.completed_on.year} 1 0") < text.index(f"{old.completed_on.year} 1 0")


def test_a_revoked_certificate_shows_revoked_and_is_left_out_of_the_totals(
    people, module, login, site
):
    client = login(people.staff)
    revoked = pass_over_http(client, module)
    kept = pass_over_http(client, another_module(site, 2, ce_hours=1.25))
    services.certificate_revoke(
        certificate_id=revoked.certificate.pk, actor=people.admin, reason="Issued in error"
    )
    text = flat_text(pdf_of(client.get(MINE)))
    assert f"Revoked on {timezone.localdate().strftime('%-d %b %Y')}" in text
    assert revoked.certificate.display_code in squeezed(text)  # still listed
    assert kept.certificate.display_code in squeezed(text)
    assert year_row(text, kept.completed_on.year) == (2, 1, "1.25")
    assert total_row(text) == (2, 1, "1.25")
    assert "excluding 1 revoked certificate" in text
    assert "Revoked certificates are listed above but not counted" in text


def test_an_expired_certificate_still_counts_and_says_when_it_expired(
    people, module, login, monkeypatch
):
    client = login(people.staff)
    completion = pass_over_http(client, module)
    Certificate.objects.filter(pk=completion.certificate.pk).update(
        expires_on=completion.completed_on
    )
    later = timezone.now() + datetime.timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    text = flat_text(pdf_of(login(people.staff).get(MINE)))
    lapsed = completion.completed_on + datetime.timedelta(days=1)  # after the last valid day
    assert f"Expired on {lapsed.strftime('%-d %b %Y')}" in text
    assert total_row(text) == (1, 0, "0.50")


def test_who_may_download_a_persons_transcript(people, module, login, client):
    pass_over_http(login(people.staff), module)
    url = person_url(people.staff.pk)
    for user in (people.staff, people.manager, people.lead, people.admin):
        response = login(user).get(url)
        assert "Amara Okafor" in flat_text(pdf_of(response)), user
        assert response["Content-Disposition"].startswith("attachment;")
    for user in (people.other_manager, people.educator, people.other_staff):
        assert login(user).get(url).status_code == 404, user
    for user in (people.lead, people.admin, people.manager):
        assert login(user).get(person_url(999999)).status_code == 404, user
    # An account that is not on the staff (the educator's, the admin's) has no transcript for
    # anyone else to read, so its id tells a lead nothing; its owner still gets their own.
    assert login(people.lead).get(person_url(people.educator.pk)).status_code == 404
    assert login(people.lead).get(person_url(people.admin.pk)).status_code == 404
    assert login(people.admin).get(person_url(people.admin.pk)).status_code == 200
    client.logout()
    for anonymous_url in (url, MINE):
        response = client.get(anonymous_url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={anonymous_url}"


@pytest.mark.parametrize(
    ("first", "last", "slug"),
    [
        ("Nguyễn Thị", "Ánh", "nguyen-thi-anh"),
        ("José", "Núñez", "jose-nunez"),
        ("Zoë", "O’Brien-Łukasik", "zoe-obrien-ukasik"),
    ],
)
def test_names_in_any_script_print_exactly(people, module, login, first, last, slug):
    people.staff.first_name, people.staff.last_name = first, last
    people.staff.save()
    client = login(people.staff)
    pass_over_http(client, module)
    response = login(people.manager).get(person_url(people.staff.pk))
    text = flat_text(pdf_of(response))
    assert f"{first} {last}" in text
    assert f"Training transcript · {first} {last}" not in text  # one page: no running head
    today = timezone.localdate().isoformat()
    assert f'filename="attune-transcript-{slug}-{today}.pdf"' in response["Content-Disposition"]


def test_a_user_without_a_staff_profile_still_gets_their_transcript(people, module, login):
    client = login(people.staff)
    completion = pass_over_http(client, module)
    people.staff.staff_profile.delete()
    text = flat_text(pdf_of(client.get(MINE)))
    assert "Amara Okafor" in text and "Employee ID" not in text
    assert completion.certificate.display_code in squeezed(text)
    # Someone with no record at all gets an empty transcript, not an error.
    text = flat_text(pdf_of(login(people.manager).get(MINE)))
    assert "No completions are recorded yet." in text


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        pdf_of(client.get(url))
    return len(captured)


def test_queries_do_not_grow_with_the_completions(people, module, login, site, client):
    def counts() -> tuple[int, int]:
        own = _queries(login(people.staff), MINE)
        managers = _queries(login(people.manager), person_url(people.staff.pk))
        return own, managers

    pass_over_http(login(people.staff), module)
    one = counts()
    for n in range(2, 7):
        completion = pass_over_http(login(people.staff), another_module(site, n))
    # One completion without a certificate (issued before certificates existed, say).
    completion.certificate.delete()
    assert Completion.objects.filter(user=people.staff).count() == 6
    assert counts() == one
    text = flat_text(pdf_of(login(people.staff).get(MINE)))
    assert "No certificate issued" in text and "Module 6" in text


def test_a_long_transcript_repeats_the_table_header_on_every_page(people, module, login):
    client = login(people.staff)
    first = pass_over_http(client, module)
    attempt = first.attempt
    copies = Attempt.objects.bulk_create(
        Attempt(
            user=attempt.user,
            module=attempt.module,
            revision=attempt.revision,
            questions=attempt.questions,
            rules=attempt.rules,
            pass_mark=attempt.pass_mark,
            passed=True,
            score_percent=100,
            submitted_at=attempt.submitted_at,
        )
        for _ in range(59)
    )
    Completion.objects.bulk_create(
        Completion(
            user=attempt.user,
            module=attempt.module,
            attempt=copy,
            revision=attempt.revision,
            completed_at=first.completed_at - datetime.timedelta(days=30 * i),
            completed_on=first.completed_on - datetime.timedelta(days=30 * i),
        )
        for i, copy in enumerate(copies, start=1)
    )
    reader = PdfReader(io.BytesIO(pdf_of(client.get(MINE))))
    pages = len(reader.pages)
    assert pages >= 2
    for number, page in enumerate(reader.pages, start=1):
        text = " ".join(page.extract_text().split())
        assert f"Page {number} of {pages}" in text
        if number > 1:
            assert "Training transcript · Amara Okafor" in text  # the running head
    # The completions table's header on every page it runs over.
    with_table = [p for p in reader.pages if "No certificate issued" in p.extract_text()]
    assert len(with_table) >= 2
    for page in with_table:
        assert "Certificate code" in page.extract_text()


@pytest.mark.parametrize("error", [rendering.RenderTimeout, rendering.RenderTooLarge])
def test_a_failed_render_is_a_clear_503_not_a_500(people, module, login, monkeypatch, error):
    client = login(people.staff)
    pass_over_http(client, module)

    def fail(html, **kwargs):
        raise error("too slow or too large")

    monkeypatch.setattr(rendering, "html_to_pdf", fail)
    for url in (MINE, person_url(people.staff.pk)):
        response = client.get(url)
        assert response.status_code == 503
        assert response["Content-Type"].startswith("text/html")
        assert "The transcript could not be prepared" in response.content.decode()
        assert response["Retry-After"]


def test_the_learner_and_the_manager_find_the_transcript_link(people, module, login):
    pass_over_http(login(people.staff), module)
    page = login(people.staff).get("/certificates/").content.decode()
    assert f'href="{MINE}"' in page and "Download my transcript (PDF)" in page
    page = login(people.manager).get(f"/reports/people/{people.staff.pk}/").content.decode()
    assert f'href="{person_url(people.staff.pk)}"' in page and "Transcript (PDF)" in page
