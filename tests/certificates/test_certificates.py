"""Certificates: issued on a pass, PDF content, download rights, public verification."""

import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from certificates.models import Certificate, generate_code, normalise_code
from training.models import Attempt

from ..conftest import correct_answers
from .conftest import verify_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def passed(people, module, login):
    """The nurse passes the module over HTTP; returns her certificate."""
    client = login(people.staff)
    location = client.post(f"/learn/modules/{module.pk}/start/")["Location"]
    attempt = Attempt.objects.get(pk=int(re.search(r"(\d+)/$", location)[1]))
    client.post(location, correct_answers(attempt.questions))
    client.logout()
    return Certificate.objects.get(user=people.staff)


def pdf_text(response) -> str:
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def test_passing_issues_a_certificate_with_frozen_details(passed, people, module):
    assert passed.learner_name == "Amara Okafor"
    assert passed.module_title == module.title
    assert passed.ce_hours == module.ce_hours
    assert passed.completion.attempt.passed


def test_certificate_pdf_holds_name_module_date_hours_org_and_code(passed, people, login):
    response = login(people.staff).get(f"/certificates/{passed.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text, reader = pdf_text(response)
    flat = " ".join(text.split())
    assert "Amara Okafor" in flat
    assert "Sample module: reading cues" in flat
    assert passed.completed_on.strftime("%-d %B %Y") in flat
    assert "CE HOURS" in flat and "0.5" in flat
    assert "Children's Hospital" in flat  # organisation name from site settings
    assert passed.display_code in flat
    assert passed.code in (reader.metadata.get("/Keywords") or "")


def test_pdf_is_rendered_once_and_then_served_from_storage(passed, people, login):
    client = login(people.staff)
    first = b"".join(client.get(f"/certificates/{passed.pk}/pdf/").streaming_content)
    passed.refresh_from_db()
    stored_name = passed.pdf.name
    assert stored_name
    second = b"".join(client.get(f"/certificates/{passed.pk}/pdf/").streaming_content)
    passed.refresh_from_db()
    assert passed.pdf.name == stored_name and first == second


def test_verification_code_is_random_and_long_enough():
    codes = {generate_code() for _ in range(2000)}
    assert len(codes) == 2000
    code = next(iter(codes))
    assert len(code) == 32 and re.fullmatch(r"[A-Z2-7]{32}", code)  # 160 bits of base32


def test_pdf_is_rendered_by_the_background_task_when_the_pass_commits(
    people, module, login, django_capture_on_commit_callbacks
):
    client = login(people.staff)
    location = client.post(f"/learn/modules/{module.pk}/start/")["Location"]
    attempt = Attempt.objects.get(pk=int(re.search(r"(\d+)/$", location)[1]))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(location, correct_answers(attempt.questions))
    assert len(callbacks) == 1
    certificate = Certificate.objects.get(user=people.staff)
    assert certificate.pdf.name.endswith(f"{certificate.code}.pdf")
    with certificate.pdf.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"


def test_verify_page_shows_name_module_date_status_without_login(client, passed):
    response = client.get(f"/verify/{passed.code}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Amara Okafor" in html and "Sample module: reading cues" in html
    assert "Valid" in html
    assert passed.completed_on.strftime("%-d %B %Y") in html
    assert passed.user.email not in html
    assert passed.user.username not in html


def test_verify_accepts_the_code_as_printed(client, passed):
    assert normalise_code(f" {passed.display_code.lower()} ") == passed.code
    response = client.get("/verify/", {"code": passed.display_code.lower()})
    assert response.status_code == 302 and response["Location"] == f"/verify/{passed.code}/"


def test_revoked_certificate_shows_as_revoked(client, passed, people):
    from certificates.services import certificate_revoke

    certificate_revoke(certificate_id=passed.pk, actor=people.admin, reason="Issued in error")
    passed.refresh_from_db()
    html = client.get(f"/verify/{passed.code}/").content.decode()
    revoked_on = timezone.localdate(passed.revoked_at).strftime("%-d %B %Y")
    assert verify_status(html) == ("revoked", "error", f"Revoked on {revoked_on}")
    assert "Issued in error" not in html


@pytest.mark.parametrize("code", ["UNKNOWN", "A" * 32, "x" * 200, "%3Cscript%3E"])
def test_unknown_code_gives_a_404_page(client, db, code):
    response = client.get(f"/verify/{code}/")
    assert response.status_code == 404
    assert "No certificate has this code" in response.content.decode()


def test_my_certificates_lists_only_mine(passed, people, login):
    assert "Sample module" in login(people.staff).get("/certificates/").content.decode()
    assert "Sample module" not in login(people.other_staff).get("/certificates/").content.decode()
