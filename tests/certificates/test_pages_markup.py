"""The certificate, verification, log-in, home and error pages on the design system: the
structure a screen reader and a phone rely on (one h1, headings in order, labelled fields,
errors tied to their fields, no table wider than the screen), read from the HTML the server
sends."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.template import loader
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.views.defaults import server_error

from certificates import services
from certificates.models import Certificate, CompetencyReport
from certificates.services import certificate_revoke

from ..conftest import SAMPLE_SPEC, publish_module
from ..factories import UserFactory
from ..training.test_reports import pass_module
from .conftest import verify_status

pytestmark = pytest.mark.django_db


class Page(HTMLParser):
    """The parts of a page these tests look at: headings inside <main>, elements by id,
    form controls with their attributes, labels, tables."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[int, str]] = []
        self.ids: dict[str, dict] = {}
        self.controls: list[dict] = []
        self.labels: set[str] = set()
        self.tables: list[dict] = []
        self.cells: list[dict] = []  # tbody cells of the last table
        self._in_main = 0
        self._heading: list | None = None
        self._in_tbody = False
        self._scroll_regions = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "main":
            self._in_main += 1
        if "id" in a:
            self.ids[a["id"]] = {"tag": tag, **a}
        if self._in_main and re.fullmatch(r"h[1-6]", tag):
            self._heading = [int(tag[1]), ""]
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append({"tag": tag, **a})
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        if tag == "div" and "attune-table-scroll" in a.get("class", ""):
            self._scroll_regions += 1
        if tag == "table":
            self.tables.append({**a, "in_scroll_region": self._scroll_regions > 0, "caption": ""})
            self.cells = []
        if tag == "caption":
            self._heading = [0, ""]
        if tag == "tbody":
            self._in_tbody = True
        if self._in_tbody and tag in ("td", "th"):
            self.cells.append({"tag": tag, **a})

    def handle_endtag(self, tag):
        if tag == "main":
            self._in_main -= 1
        if self._heading is not None and (re.fullmatch(r"h[1-6]", tag) or tag == "caption"):
            level, text = self._heading
            if tag == "caption":
                self.tables[-1]["caption"] = " ".join(text.split())
            else:
                self.headings.append((level, " ".join(text.split())))
            self._heading = None
        if tag == "tbody":
            self._in_tbody = False

    def handle_data(self, data):
        if self._heading is not None:
            self._heading[1] += data


def page(response) -> Page:
    assert response.status_code in (200, 403, 404, 429, 503), response.status_code
    return Page(response.content.decode())


def assert_headings_in_order(parsed: Page):
    levels = [level for level, _ in parsed.headings]
    assert levels.count(1) == 1 and levels[0] == 1, parsed.headings
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, parsed.headings  # never skips a level going down


@pytest.fixture
def certificate(people, module) -> Certificate:
    pass_module(people.staff, module)
    return Certificate.objects.get(user=people.staff)


# --- verification ---------------------------------------------------------------------------


def test_the_verify_page_leads_with_a_large_status_alert_then_the_details(client, certificate):
    response = client.get(f"/verify/{certificate.code}/")
    parsed = page(response)
    html = response.content.decode()
    assert verify_status(html) == ("valid", "success", "Valid")
    assert parsed.headings == [
        (1, "Certificate verification"),
        (2, "Valid"),
        (2, "What the certificate says"),
    ]
    # The status comes before the facts, which are a description list.
    assert html.index("records-verify__status") < html.index('<dl class="records-facts">')
    assert "<dt>Awarded to</dt><dd>Amara Okafor</dd>" in html
    assert f"<dt>Issued by</dt><dd>{certificate.organisation_name}</dd>" in html.replace(
        "&#x27;", "'"
    )
    # A printout says when and where it was checked; the print button needs JavaScript.
    assert f"at http://testserver/verify/{certificate.code}/" in html
    assert "data-records-print hidden" in html


def test_an_expired_and_a_revoked_certificate_say_so_in_the_alert(
    client, people, certificate, monkeypatch
):
    certificate.expires_on = timezone.localdate() - datetime.timedelta(days=2)
    certificate.save()
    lapsed = (certificate.expires_on + datetime.timedelta(days=1)).strftime("%-d %B %Y")
    html = client.get(f"/verify/{certificate.code}/").content.decode()
    assert verify_status(html) == ("expired", "warning", f"Expired on {lapsed}")

    certificate_revoke(certificate_id=certificate.pk, actor=people.admin, reason="Wrong person")
    certificate.refresh_from_db()
    on = timezone.localdate(certificate.revoked_at).strftime("%-d %B %Y")
    html = client.get(f"/verify/{certificate.code}/").content.decode()
    assert verify_status(html) == ("revoked", "error", f"Revoked on {on}")
    assert "Wrong person" not in html


def test_unknown_code_and_the_form_are_labelled_and_ordered(client, db):
    parsed = page(client.get("/verify/"))
    assert_headings_in_order(parsed)
    assert [c["id"] for c in parsed.controls] == ["code"] and "code" in parsed.labels
    code = parsed.controls[0]
    assert "usa-input" in code["class"] and code["aria-describedby"] == "code-hint"
    assert "code-hint" in parsed.ids and "usa-hint" in parsed.ids["code-hint"]["class"]

    response = client.get("/verify/NOPE/")
    assert response.status_code == 404
    assert verify_status(response.content.decode()) == (
        "unknown",
        "error",
        "No certificate has this code",
    )
    assert_headings_in_order(page(response))


# --- log in ---------------------------------------------------------------------------------


def test_the_login_form_is_labelled_with_autocomplete(client, db):
    parsed = page(client.get("/accounts/login/"))
    assert_headings_in_order(parsed)
    fields = {c["name"]: c for c in parsed.controls}
    assert set(fields) == {"username", "password"}
    assert fields["username"]["autocomplete"] == "username"
    assert fields["password"]["autocomplete"] == "current-password"
    for control in fields.values():
        assert control["id"] in parsed.labels
        assert "usa-input" in control["class"]
        assert "aria-invalid" not in control


def test_wrong_credentials_are_an_error_alert_linked_to_both_fields(client, people):
    response = client.post("/accounts/login/", {"username": "nurse", "password": "wrong"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    parsed = page(response)
    alert = parsed.ids["login-errors"]
    assert alert["role"] == "alert" and "usa-alert--error" in alert["class"]
    assert "Please enter a correct username and password" in response.content.decode()
    fields = {c["name"]: c for c in parsed.controls}
    for control in fields.values():
        assert control["aria-invalid"] == "true"
        assert control["aria-describedby"] == "login-errors"
    assert fields["username"]["value"] == "nurse"  # what was typed is kept
    assert_headings_in_order(parsed)


def test_a_missing_field_is_marked_on_the_field_itself(client, db):
    response = client.post("/accounts/login/", {"username": "nurse", "password": ""})
    parsed = page(response)
    fields = {c["name"]: c for c in parsed.controls}
    password = fields["password"]
    assert password["aria-invalid"] == "true"
    assert password["aria-describedby"] == "id_password-error"
    assert "usa-input--error" in password["class"]
    message = parsed.ids["id_password-error"]
    assert "usa-error-message" in message["class"]
    assert "aria-invalid" not in fields["username"]  # the username was fine
    assert 'href="#id_password"' in response.content.decode()  # the summary leads to it


# --- my certificates ------------------------------------------------------------------------


def _more_certificates(people, site, monkeypatch, start: int, n: int):
    monkeypatch.setattr(services, "render_certificate_pdf", lambda certificate: b"%PDF-1.4\n")
    for i in range(start, start + n):
        module = publish_module(
            site.catalogue, {**SAMPLE_SPEC, "slug": f"extra-{i}", "title": f"Extra module {i}"}
        )
        pass_module(people.staff, module)


def test_my_certificates_is_a_stacking_table_never_wider_than_a_phone(
    people, site, module, login, monkeypatch
):
    _more_certificates(people, site, monkeypatch, 0, 2)
    response = login(people.staff).get("/certificates/")
    parsed = page(response)
    assert_headings_in_order(parsed)
    assert len(parsed.tables) == 1
    table = parsed.tables[0]
    # No fixed-width table outside a scroll region: this one stacks on phones instead.
    assert table["in_scroll_region"] or "usa-table--stacked-header" in table["class"]
    assert "usa-table" in table["class"] and table["caption"]
    # Stacked, every value keeps its label.
    assert len(parsed.cells) == 2 * 6
    assert all(cell.get("data-label") for cell in parsed.cells)
    html = response.content.decode()
    assert html.count('<th scope="row" data-label="Module">') == 2
    assert "attune-status status-valid" in html and ">Valid</span>" in html


def test_my_certificates_queries_do_not_grow(
    people, site, module, login, monkeypatch, django_assert_num_queries
):
    client = login(people.staff)
    counts = []
    for start, n in ((0, 2), (2, 8)):
        _more_certificates(people, site, monkeypatch, start, n)
        client.get("/certificates/")  # warm per-process caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/certificates/").status_code == 200
        counts.append(len(captured))
    assert Certificate.objects.filter(user=people.staff).count() == 10
    assert counts[0] == counts[1]
    with django_assert_num_queries(counts[1]):
        client.get("/certificates/")


def test_no_certificates_yet_says_how_to_get_one(login, db):
    html = login(UserFactory()).get("/certificates/").content.decode()
    assert "You have no certificates yet." in html and "<table" not in html


# --- home and error pages -------------------------------------------------------------------


def test_the_home_page_offers_log_in_then_cards_after(client, people, site):
    parsed = page(client.get("/"))
    assert_headings_in_order(parsed)
    html = client.get("/").content.decode()
    assert 'class="usa-button usa-button--big" href="/accounts/login/"' in html

    client.force_login(people.staff)
    response = client.get("/")
    parsed = page(response)
    assert_headings_in_order(parsed)
    titles = [text for level, text in parsed.headings if level == 3]
    assert titles == ["My training", "Modules"]
    assert response.content.decode().count('class="usa-card ') == 2


def test_404_and_403_pages_are_on_the_design_system(client, people):
    response = client.get("/certificates/999999/pdf/")
    assert response.status_code == 302  # anonymous: log in first
    client.force_login(people.other_staff)
    response = client.get("/certificates/999999/pdf/")
    assert response.status_code == 404
    parsed = page(response)
    assert parsed.headings[0] == (1, "Page not found")
    assert_headings_in_order(parsed)

    client.force_login(people.staff)
    response = client.get("/reports/")
    assert response.status_code == 403
    parsed = page(response)
    assert parsed.headings[0] == (1, "This page is not available to you")
    assert "usa-alert" in response.content.decode()


def test_the_500_page_renders_without_a_request_or_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = loader.get_template("500.html").render()
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in html
    assert '<html lang="en' in html and 'href="/"' in html
    assert "<link" not in html and "<script" not in html  # nothing else to fetch or fail


# --- competency report status ---------------------------------------------------------------


def test_a_failed_competency_report_is_an_error_alert(people, login):
    report = CompetencyReport.objects.create(
        unit=people.nicu,
        requested_by=people.manager,
        as_of=timezone.localdate(),
        status=CompetencyReport.State.FAILED,
        error="OSError: no fonts",
    )
    response = login(people.manager).get(f"/reports/documents/{report.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<div class="usa-alert usa-alert--error" role="alert">', html)
    assert "OSError: no fonts" in html
    parsed = page(response)
    assert_headings_in_order(parsed)
    assert 'aria-current="page"' in html  # the breadcrumb says where we are
