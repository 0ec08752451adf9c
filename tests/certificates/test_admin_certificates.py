"""Certificates in the Wagtail admin, through HTTP: the listing (search by the printed code,
name or module; filter by status; newest first; the same queries whatever the data), the
inspect page with its history, the Revoke and Re-issue forms (a reason, one clear message for
bad input, nothing changed), who may use them, and a revoked or expired certificate shown as
such wherever the learner and their manager see it."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.utils import timezone

from certificates import services
from certificates.models import Certificate
from training import services as training_services

from ..factories import StaffProfileFactory, UserFactory
from ..training.test_reports import _count, pass_module
from .test_certificate_design import pass_over_http

pytestmark = pytest.mark.django_db

ADMIN = "/admin/certificates/"


def inspect_url(certificate) -> str:
    return f"{ADMIN}{certificate.pk}/"


def revoke_url(certificate) -> str:
    return f"{ADMIN}{certificate.pk}/revoke/"


def reissue_url(certificate) -> str:
    return f"{ADMIN}{certificate.pk}/reissue/"


def text(response) -> str:
    """The page's text with tags dropped and white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def passed(people, module, login) -> Certificate:
    """Amara Okafor (NICU nurse) passed the module over HTTP; her certificate exists."""
    return pass_over_http(login(people.staff), module)


def move_clock_to(monkeypatch, day: datetime.date):
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    monkeypatch.setattr(timezone, "now", lambda: moment)


# --- the listing ----------------------------------------------------------------------------


def test_listing_shows_each_certificate_newest_first_with_its_status(people, module, login, passed):
    other = pass_over_http(login(people.other_staff), module)
    response = login(people.admin).get(ADMIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Amara Okafor" in html and "Olga Petrova" in html
    assert passed.display_code in html and other.display_code in html
    assert html.index("Olga Petrova") < html.index("Amara Okafor")  # newest first
    assert f'href="{inspect_url(passed)}"' in html
    assert f'href="{revoke_url(passed)}"' in html and f'href="{reissue_url(passed)}"' in html
    assert ">Valid<" in html
    # Nothing to add, edit or delete.
    assert "/admin/certificates/new/" not in html and "/edit/" not in html


@pytest.mark.parametrize(
    "query",
    [
        "{display_code}",  # as printed, with dashes
        "{display_code_lower}",  # in lower case
        "{spaced}",  # groups separated by spaces
        "{first_groups}",  # the start of the code, as printed
        "Amara",
        "okafor",
        "reading cues",  # the module's title
    ],
)
def test_search_finds_by_code_as_printed_name_or_module(people, module, login, passed, query):
    other = pass_over_http(login(people.other_staff), module)
    query = query.format(
        display_code=passed.display_code,
        display_code_lower=passed.display_code.lower(),
        spaced=" ".join(passed.code_groups),
        first_groups="-".join(passed.code_groups[:3]),
    )
    html = login(people.admin).get(ADMIN, {"q": query}).content.decode()
    assert passed.display_code in html
    if query != "reading cues":
        assert other.display_code not in html
    else:
        assert other.display_code in html


def test_search_with_no_match_says_so(people, login, passed):
    html = login(people.admin).get(ADMIN, {"q": "Nobody-Here"}).content.decode()
    assert passed.display_code not in html
    assert "No certificates match your query" in html


def test_status_filter_separates_valid_expired_and_revoked(
    people, module, login, yearly, monkeypatch
):
    expiring = pass_over_http(login(people.staff), module)  # a nurse: expires in 12 months
    revoked = pass_over_http(login(people.other_staff), module)
    lasting = pass_over_http(login(people.physician), module)  # not required: no expiry
    assert expiring.expires_on and lasting.expires_on is None
    client = login(people.admin)
    response = client.post(revoke_url(revoked), {"reason": "Issued in error"}, follow=True)
    assert response.redirect_chain == [(inspect_url(revoked), 302)]
    move_clock_to(monkeypatch, expiring.expires_on + datetime.timedelta(days=1))
    client = login(people.admin)  # a session opened after the clock moved

    def codes(status):
        html = client.get(ADMIN, {"status": status}).content.decode()
        return {c.pk for c in (expiring, revoked, lasting) if c.display_code in html}

    assert codes("valid") == {lasting.pk}
    assert codes("expired") == {expiring.pk}
    assert codes("revoked") == {revoked.pk}
    assert codes("") == {expiring.pk, revoked.pk, lasting.pk}
    html = client.get(ADMIN).content.decode()
    assert ">Expired<" in html and ">Revoked<" in html and ">Valid<" in html


def test_listing_pages_twenty_five_at_a_time(people, module, login, monkeypatch):
    _many_certificates(people, module, monkeypatch, 27)
    client = login(people.admin)
    first = client.get(ADMIN).content.decode()
    second = client.get(ADMIN, {"p": 2}).content.decode()
    newest, oldest = Certificate.objects.order_by("-issued_at", "-pk")[::26]
    assert newest.display_code in first and newest.display_code not in second
    assert oldest.display_code in second and oldest.display_code not in first


def _many_certificates(people, module, monkeypatch, n):
    """n more nurses in NICU pass the module (PDFs stubbed: only the rows matter here)."""
    monkeypatch.setattr(services, "render_certificate_pdf", lambda certificate: b"%PDF-1.4\n")
    for _ in range(n):
        profile = StaffProfileFactory(role=people.nurse_role, unit=people.nicu)
        training_services.assignments_sync(user_ids=[profile.user_id])
        pass_module(profile.user, module)


@pytest.mark.parametrize(
    "url",
    [ADMIN, ADMIN + "?status=valid&q=a", ADMIN + "results/?status=revoked&ordering=learner_name"],
)
def test_listing_queries_do_not_grow_with_the_data(people, module, login, monkeypatch, url):
    client = login(people.admin)
    _many_certificates(people, module, monkeypatch, 3)
    small = _count(client, url)
    _many_certificates(people, module, monkeypatch, 12)
    assert Certificate.objects.count() == 15
    large = _count(client, url)
    assert large == small


def test_listing_query_bound_for_a_group_member(
    people, module, login, monkeypatch, django_assert_max_num_queries
):
    revoker = _revoker()
    client = login(revoker)
    for n in (3, 12):
        _many_certificates(people, module, monkeypatch, n)
        client.get(ADMIN)  # warm per-process caches
        with django_assert_max_num_queries(11):
            assert client.get(ADMIN).status_code == 200


# --- the inspect page -----------------------------------------------------------------------


def test_inspect_shows_what_the_certificate_says_and_its_history(people, login, passed):
    client = login(people.admin)
    response = client.get(inspect_url(passed))
    assert response.status_code == 200
    page = text(response)
    for expected in (
        "Amara Okafor",
        passed.display_code,
        "Sample module: reading cues",
        f"{passed.module_revision}",
        passed.completed_on.strftime("%-d %B %Y"),
        "Does not expire",
        "0.5",
        "Valid",
        "Issued",  # the first history row
    ):
        assert expected in page, expected
    assert f'href="/certificates/{passed.pk}/pdf/"' in response.content.decode()
    assert f'href="/verify/{passed.code}/"' in response.content.decode()


def test_inspect_history_names_who_revoked_and_why(people, login, passed):
    client = login(people.admin)
    client.post(revoke_url(passed), {"reason": "Issued in error: wrong learner"})
    page = text(client.get(inspect_url(passed)))
    assert "Revoked" in page and "Issued in error: wrong learner" in page
    assert people.admin.get_full_name() in page
    assert "It verifies as revoked and cannot be re-issued" in page
    html = client.get(inspect_url(passed)).content.decode()
    assert revoke_url(passed) not in html and reissue_url(passed) not in html


def test_unknown_certificate_is_404(people, login):
    client = login(people.admin)
    for url in (f"{ADMIN}999999/", f"{ADMIN}999999/revoke/", f"{ADMIN}999999/reissue/"):
        assert client.get(url).status_code == 404


# --- revoking -------------------------------------------------------------------------------


def test_revoke_with_a_reason(people, login, passed, client):
    admin = login(people.admin)
    form = admin.get(revoke_url(passed))
    assert form.status_code == 200
    html = form.content.decode()
    assert 'name="reason"' in html and "csrfmiddlewaretoken" in html and "Amara Okafor" in html
    response = admin.post(revoke_url(passed), {"reason": "  Issued in error  "})
    assert response.status_code == 302 and response["Location"] == inspect_url(passed)
    assert any("revoked" in m for m in message_texts(response))
    passed.refresh_from_db()
    assert passed.status == Certificate.Status.REVOKED
    assert passed.revocation_reason == "Issued in error"
    latest = passed.history.first()
    assert latest.history_user == people.admin
    assert latest.history_change_reason == "Revoked: Issued in error"
    admin.logout()
    verify = text(client.get(f"/verify/{passed.code}/"))
    assert "Revoked on" in verify and "Issued in error" not in verify


@pytest.mark.parametrize("reason", ["", "   "])
def test_revoke_without_a_reason_is_refused_and_changes_nothing(people, login, passed, reason):
    before = passed.history.count()
    response = login(people.admin).post(revoke_url(passed), {"reason": reason})
    assert response.status_code == 200
    page = text(response)
    assert "This field is required" in page
    assert "The certificate was not revoked; nothing changed." in page
    passed.refresh_from_db()
    assert passed.revoked_at is None and passed.revocation_reason == ""
    assert passed.history.count() == before


def test_revoke_with_a_reason_too_long_is_refused(people, login, passed):
    response = login(people.admin).post(revoke_url(passed), {"reason": "x" * 1001})
    assert response.status_code == 200
    assert "at most 1000 characters" in text(response)
    passed.refresh_from_db()
    assert passed.revoked_at is None


def test_revoking_twice_says_it_was_already_revoked(people, login, passed):
    client = login(people.admin)
    assert client.post(revoke_url(passed), {"reason": "Issued in error"}).status_code == 302
    passed.refresh_from_db()
    first = passed.revoked_at
    response = client.post(revoke_url(passed), {"reason": "Again"})
    assert response.status_code == 200
    page = text(response)
    assert "This certificate was already revoked." in page
    assert "The certificate was not revoked; nothing changed." in page
    passed.refresh_from_db()
    assert passed.revoked_at == first and passed.revocation_reason == "Issued in error"
    # The form is not offered again.
    get = client.get(revoke_url(passed))
    assert get.status_code == 200 and 'name="reason"' not in get.content.decode()
    assert "it cannot be revoked" in text(get)


def test_revoke_needs_the_csrf_token(people, passed, client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people.admin)
    assert strict.post(revoke_url(passed), {"reason": "No token"}).status_code == 403
    passed.refresh_from_db()
    assert passed.revoked_at is None


# --- re-issuing -----------------------------------------------------------------------------


def test_reissue_copies_the_corrected_name_under_the_same_code(people, login, passed):
    code = passed.code
    people.staff.first_name = "Amy"
    people.staff.save()
    client = login(people.admin)
    assert client.get(reissue_url(passed)).status_code == 200
    response = client.post(reissue_url(passed), {"reason": "Name corrected by HR"})
    assert response.status_code == 302 and response["Location"] == inspect_url(passed)
    assert any("re-issued" in m for m in message_texts(response))
    passed.refresh_from_db()
    assert passed.code == code and passed.learner_name == "Amy Okafor" and passed.reissued_at
    latest = passed.history.first()
    assert latest.history_user == people.admin
    assert latest.history_change_reason == "Re-issued: Name corrected by HR"
    page = text(client.get(inspect_url(passed)))
    assert "Re-issued" in page and "Name corrected by HR" in page
    assert "Name: Amara Okafor → Amy Okafor" in page


def test_reissue_without_a_reason_changes_nothing(people, login, passed):
    people.staff.first_name = "Amy"
    people.staff.save()
    response = login(people.admin).post(reissue_url(passed), {"reason": ""})
    assert response.status_code == 200
    assert "The certificate was not re-issued; nothing changed." in text(response)
    passed.refresh_from_db()
    assert passed.learner_name == "Amara Okafor" and passed.reissued_at is None


def test_a_revoked_certificate_is_not_reissued(people, login, passed):
    client = login(people.admin)
    client.post(revoke_url(passed), {"reason": "Issued in error"})
    response = client.post(reissue_url(passed), {"reason": "Fix the name"})
    assert response.status_code == 200
    assert "A revoked certificate cannot be re-issued." in text(response)
    passed.refresh_from_db()
    assert passed.reissued_at is None


# --- who may ----------------------------------------------------------------------------------


def _revoker():
    """Admin access and certificates.revoke_certificate, nothing else."""
    user = UserFactory(username="registrar", first_name="Rui", last_name="Santos")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        Permission.objects.get(
            content_type__app_label="certificates", codename="revoke_certificate"
        ),
    )
    return user


def test_a_user_given_the_permission_can_list_inspect_and_revoke(people, login, passed):
    revoker = _revoker()
    client = login(revoker)
    dashboard = client.get("/admin/").content.decode()
    assert 'href="/admin/certificates/"' in dashboard or '"/admin/certificates/"' in dashboard
    assert passed.display_code in client.get(ADMIN).content.decode()
    assert client.get(inspect_url(passed)).status_code == 200
    response = client.post(revoke_url(passed), {"reason": "Duplicate record"})
    assert response.status_code == 302
    passed.refresh_from_db()
    assert passed.revoked_at and passed.history.first().history_user == revoker


@pytest.mark.parametrize("kind", ["educator", "lead"])
def test_admin_users_without_the_permission_are_turned_away(people, login, passed, kind):
    client = login(getattr(people, kind))
    assert '"/admin/certificates/"' not in client.get("/admin/").content.decode()
    for method, url in (
        ("get", ADMIN),
        ("get", inspect_url(passed)),
        ("get", revoke_url(passed)),
        ("post", revoke_url(passed)),
        ("post", reissue_url(passed)),
    ):
        response = getattr(client, method)(url, {"reason": "Not mine to give"})
        # Wagtail's refusal: back to the admin dashboard with a message.
        assert response.status_code == 302 and response["Location"] == "/admin/", (method, url)
        assert any("you do not have permission" in message for message in message_texts(response))
    passed.refresh_from_db()
    assert passed.revoked_at is None


def test_staff_are_sent_to_the_login(people, login, passed):
    response = login(people.staff).post(revoke_url(passed), {"reason": "Mine"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    passed.refresh_from_db()
    assert passed.revoked_at is None


# --- revoked and expired, everywhere it appears ----------------------------------------------


def _learner_pages(client, manager, certificate, module) -> dict[str, str]:
    attempt = certificate.completion.attempt
    person = f"/reports/people/{certificate.user_id}/"
    export = manager.get(person, {"export": "csv", "table": "completions"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    return {
        "dashboard": text(client.get("/learn/")),
        "result": text(client.get(f"/learn/attempts/{attempt.pk}/")),
        "module": text(client.get(module.url)),
        "mine": text(client.get("/certificates/")),
        "person": text(manager.get(person)),
        "csv": rows[1][5],
    }


def test_a_revoked_certificate_shows_as_revoked_to_the_learner_and_manager(people, module, passed):
    from django.test import Client

    learner, manager = Client(), Client()
    learner.force_login(people.staff)
    manager.force_login(people.manager)
    before = _learner_pages(learner, manager, passed, module)
    assert before["csv"] == "Valid"
    assert "Valid" in before["person"] and "Valid" in before["mine"]
    assert "Download your certificate (PDF) Valid" in before["result"]
    assert "Revoked" not in " ".join(before.values())

    admin = Client()
    admin.force_login(people.admin)
    admin.post(revoke_url(passed), {"reason": "Issued in error"})
    passed.refresh_from_db()
    on = timezone.localdate(passed.revoked_at)
    pages = _learner_pages(learner, manager, passed, module)
    assert pages["csv"] == "Revoked"
    assert f"Revoked {on:%Y-%m-%d}" in pages["person"]
    assert "Revoked" in pages["mine"]
    # The button (its accessible name may go on with the requirement), then the status tag.
    assert re.search(
        rf"Revoked certificate \(PDF\)(?: – [^·]*?)? Revoked {on:%-d %B %Y}", pages["dashboard"]
    )
    assert (
        f"Revoked {on:%-d %B %Y} Your certificate for this completion was revoked"
        in (pages["result"])
    )
    assert "Download the revoked certificate (PDF)" in pages["result"]
    assert "Download the revoked certificate (PDF)" in pages["module"]
    # The PDF is still there to download; its QR code leads to the verify page.
    assert learner.get(f"/certificates/{passed.pk}/pdf/").status_code == 200
    for name, page in pages.items():
        assert "Issued in error" not in page, name


def test_an_expired_certificate_shows_as_expired(people, module, login, yearly, monkeypatch):
    from django.test import Client

    certificate = pass_over_http(login(people.staff), module)
    assert certificate.expires_on
    move_clock_to(monkeypatch, certificate.expires_on + datetime.timedelta(days=1))
    learner, manager = Client(), Client()
    learner.force_login(people.staff)
    manager.force_login(people.manager)
    pages = _learner_pages(learner, manager, certificate, module)
    expired = certificate.expires_on + datetime.timedelta(days=1)  # the first day it lapsed
    assert pages["csv"] == "Expired"
    assert f"Expired {expired:%Y-%m-%d}" in pages["person"]
    assert "Expired Download" in pages["mine"] and "Valid Download" not in pages["mine"]
    assert f"Download your certificate (PDF) Expired {expired:%-d %B %Y}" in pages["result"]
    assert "Expired" in pages["dashboard"]


def test_a_reissue_whose_render_fails_changes_nothing(people, login, passed, monkeypatch):
    from certificates import rendering, services

    def too_slow(certificate):
        raise rendering.RenderTimeout("Rendering took longer than 20 s")

    monkeypatch.setattr(services, "render_certificate_pdf", too_slow)
    people.staff.first_name = "Amy"
    people.staff.save()
    response = login(people.admin).post(reissue_url(passed), {"reason": "Name corrected"})
    assert response.status_code == 200
    page = text(response)
    assert "could not be rendered" in page and "nothing changed" in page
    passed.refresh_from_db()
    assert passed.learner_name == "Amara Okafor" and passed.reissued_at is None


def test_a_download_whose_first_render_fails_says_so_with_503(people, login, passed, monkeypatch):
    from certificates import rendering, services

    def too_large(certificate):
        raise rendering.RenderTooLarge("The document is larger than 50 MB")

    Certificate.objects.filter(pk=passed.pk).update(pdf="")
    monkeypatch.setattr(services, "render_certificate_pdf", too_large)
    response = login(people.staff).get(f"/certificates/{passed.pk}/pdf/")
    assert response.status_code == 503 and response["Retry-After"] == "120"
    assert "still being prepared" in text(response) and passed.display_code in text(response)
