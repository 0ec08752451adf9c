"""Public verification at /verify/<code>/: what it shows (status valid, expired or revoked
with the date, expiry) and never shows (email, username, employee id), unknown codes, and the
per-client rate limit that keeps codes from being enumerated."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from certificates import selectors
from certificates.models import Certificate, VerificationThrottle, generate_code
from certificates.services import certificate_revoke
from training import schedule
from training.models import Attempt

from ..conftest import correct_answers
from .conftest import verify_status

pytestmark = pytest.mark.django_db

WINDOW = 900
KIND = {"valid": "success", "expired": "warning", "revoked": "error"}  # USWDS alert colours


def pass_over_http(client, module) -> Certificate:
    location = client.post(f"/learn/modules/{module.pk}/start/")["Location"]
    attempt = Attempt.objects.get(pk=int(re.search(r"(\d+)/$", location)[1]))
    response = client.post(location, correct_answers(attempt.questions))
    assert response.status_code in (200, 302)
    client.logout()
    return Certificate.objects.filter(completion__attempt=attempt).get()


@pytest.fixture
def private(people):
    """Distinctive private details for the nurse, none of which may ever be shown."""
    user = people.staff
    user.email = "amara.private@hospital.test"
    user.save()
    user.staff_profile.employee_id = "EMP-778899"
    user.staff_profile.save()
    return [user.email, user.username, user.staff_profile.employee_id]


@pytest.fixture
def one_time(people, module, login, private):
    return pass_over_http(login(people.staff), module)


@pytest.fixture
def recurring(people, module, login, yearly, private):
    return pass_over_http(login(people.staff), module)


@pytest.fixture
def budget(settings):
    """A small budget so tests reach the limit quickly; returns a setter."""
    settings.ATTUNE_VERIFY_WINDOW_SECONDS = WINDOW
    settings.ATTUNE_TRUSTED_PROXY_COUNT = 0

    def _set(limit):
        settings.ATTUNE_VERIFY_LIMIT = limit

    _set(10)
    return _set


def freeze(monkeypatch, moment: datetime.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: moment)


def day(d: datetime.date) -> str:
    return d.strftime("%-d %B %Y")


def verify(client, code, ip="198.51.100.1", **extra):
    return client.get(f"/verify/{code}/", REMOTE_ADDR=ip, **extra)


# --- what the page shows --------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["valid", "expired", "revoked"])
def test_each_status_shows_its_dates_and_nothing_private(
    client, people, recurring, private, monkeypatch, variant
):
    certificate = recurring
    assert certificate.expires_on == schedule.add_months(certificate.completed_on, 12)
    if variant == "expired":
        freeze(
            monkeypatch,
            timezone.make_aware(
                datetime.datetime.combine(
                    certificate.expires_on + datetime.timedelta(days=1), datetime.time(9)
                )
            ),
        )
    if variant == "revoked":
        certificate_revoke(
            certificate_id=certificate.pk, actor=people.admin, reason="Issued in error"
        )
        certificate.refresh_from_db()

    response = verify(client, certificate.code)
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert "Amara Okafor" in html and "Sample module: reading cues" in html
    assert day(certificate.completed_on) in html
    groups = "-".join(f'<span class="code-group">{g}</span>' for g in certificate.code_groups)
    assert groups in html  # the code, in the groups of four it is printed in
    valid_until = f"<dt>Valid until</dt><dd>{day(certificate.expires_on)}</dd>"
    # A revoked certificate is valid until nothing: its expiry date is not shown.
    assert (valid_until in html) == (variant != "revoked")
    status, kind, heading = verify_status(html)
    assert (status, kind) == (variant, KIND[variant])
    if variant == "valid":
        assert heading == "Valid"
    if variant == "expired":
        lapsed = certificate.expires_on + datetime.timedelta(days=1)
        assert heading == f"Expired on {day(lapsed)}"
    if variant == "revoked":
        revoked_on = day(timezone.localdate(certificate.revoked_at))
        assert heading == f"Revoked on {revoked_on}"
        assert "Issued in error" not in html
    for secret in private:
        assert secret not in html, secret
    # The page is built from public fields only: the person's account is not even at hand.
    assert not hasattr(response.context["certificate"], "user")


def test_a_one_time_certificate_does_not_expire(client, one_time, private):
    html = verify(client, one_time.code).content.decode()
    assert one_time.expires_on is None
    assert verify_status(html) == ("valid", "success", "Valid")
    assert "<dt>Valid until</dt><dd>Does not expire</dd>" in html
    for secret in private:
        assert secret not in html, secret


def test_the_code_is_found_as_printed_through_the_form(client, one_time):
    response = client.get("/verify/", {"code": f" {one_time.display_code.lower()} "})
    assert response.status_code == 302 and response["Location"] == f"/verify/{one_time.code}/"
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("code", ["UNKNOWN", "A" * 32, "x" * 200])
def test_unknown_codes_get_a_404_page(client, db, code):
    response = verify(client, code)
    assert response.status_code == 404
    assert "No certificate has this code" in response.content.decode()
    assert "no-cache" in response["Cache-Control"]


def test_the_verify_page_takes_a_fixed_number_of_queries(
    client, one_time, django_assert_num_queries
):
    # The first request of a window also clears finished windows (one DELETE).
    with django_assert_num_queries(5):
        verify(client, one_time.code)
    # Spend a point (one upsert), look the code up (one query), and the site shell's
    # organisation settings for the page header (site and settings).
    with django_assert_num_queries(4) as captured:
        assert verify(client, one_time.code).status_code == 200
    assert sum("certificates_certificate" in q["sql"] for q in captured.captured_queries) == 1


# --- 100,000 random codes -------------------------------------------------------------------


def test_100000_random_codes_verify_none(one_time, django_assert_num_queries):
    """Through the very lookup the page uses, in ten queries of 10,000 codes."""
    found = {}
    with django_assert_num_queries(10):
        for _ in range(10):
            found |= selectors.certificates_for_codes(generate_code() for _ in range(10_000))
    assert found == {}
    # The same lookup does find the code that was issued, as printed or as stored.
    assert selectors.certificates_for_codes([one_time.code]).keys() == {one_time.code}
    printed = selectors.certificate_for_code(one_time.display_code.lower())
    assert printed is not None and printed.code == one_time.code
    assert printed.learner_name == "Amara Okafor" and printed.status == "valid"


# --- the rate limit -------------------------------------------------------------------------


def test_over_budget_answers_429_without_looking_the_code_up(
    client, one_time, budget, django_assert_num_queries
):
    budget(3)
    for _ in range(3):
        assert verify(client, one_time.code).status_code == 200
    with django_assert_num_queries(3) as captured:  # the refused spend, then the page shell
        response = verify(client, one_time.code)
    assert response.status_code == 429
    assert not any("certificates_certificate" in q["sql"] for q in captured.captured_queries)
    assert 1 <= int(response["Retry-After"]) <= WINDOW
    assert "no-cache" in response["Cache-Control"]
    html = response.content.decode()
    assert "Too many checks" in html and "Amara Okafor" not in html
    # Unknown codes are refused the same way (no 404 that would tell them apart).
    assert verify(client, "A" * 32).status_code == 429


def test_retry_after_is_the_end_of_the_window_and_then_checks_resume(
    client, one_time, budget, monkeypatch
):
    budget(1)
    window_start = datetime.datetime(2031, 3, 4, 10, 15, tzinfo=datetime.UTC)
    freeze(monkeypatch, window_start + datetime.timedelta(seconds=300))
    assert verify(client, one_time.code).status_code == 200
    refused = verify(client, one_time.code)
    assert refused.status_code == 429 and refused["Retry-After"] == "600"
    assert "try again in 10 minutes" in refused.content.decode()
    freeze(monkeypatch, window_start + datetime.timedelta(seconds=WINDOW))
    assert verify(client, one_time.code).status_code == 200


def test_another_client_address_keeps_its_own_budget(client, one_time, budget):
    budget(2)
    for _ in range(2):
        verify(client, one_time.code, ip="198.51.100.1")
    assert verify(client, one_time.code, ip="198.51.100.1").status_code == 429
    assert verify(client, one_time.code, ip="198.51.100.2").status_code == 200


def test_misses_cost_more_than_hits(client, one_time, budget):
    budget(10)
    for _ in range(10):
        assert verify(client, one_time.code, ip="198.51.100.1").status_code == 200
    assert verify(client, one_time.code, ip="198.51.100.1").status_code == 429
    # Two unknown codes spend the same ten points.
    for n in range(2):
        assert verify(client, f"NOSUCHCODE{n}", ip="198.51.100.2").status_code == 404
    assert verify(client, one_time.code, ip="198.51.100.2").status_code == 429


def test_the_form_spends_from_the_same_budget(client, one_time, budget):
    budget(3)
    response = client.get("/verify/", {"code": one_time.code}, REMOTE_ADDR="198.51.100.1")
    assert response.status_code == 302  # one point
    assert client.get(response["Location"], REMOTE_ADDR="198.51.100.1").status_code == 200
    assert verify(client, one_time.code).status_code == 200  # three
    refused = client.get("/verify/", {"code": one_time.code}, REMOTE_ADDR="198.51.100.1")
    assert refused.status_code == 429 and refused["Retry-After"]
    # The empty form itself is free.
    assert client.get("/verify/", REMOTE_ADDR="198.51.100.1").status_code == 200


def test_x_forwarded_for_is_ignored_without_trusted_proxies(client, one_time, budget):
    budget(2)
    for n in range(2):
        verify(client, one_time.code, ip="10.0.0.5", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    # Forging another X-Forwarded-For does not buy a new budget.
    refused = verify(client, one_time.code, ip="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert refused.status_code == 429


def test_x_forwarded_for_names_the_client_behind_one_trusted_proxy(
    client, one_time, budget, settings
):
    budget(2)
    settings.ATTUNE_TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.5"
    # The proxy appends the address it saw; what the client sent to the left is ignored.
    for forged in ("1.1.1.1", "2.2.2.2"):
        xff = f"{forged}, 203.0.113.7"
        assert verify(client, one_time.code, ip=proxy, HTTP_X_FORWARDED_FOR=xff).status_code == 200
    xff = "3.3.3.3, 203.0.113.7"
    assert verify(client, one_time.code, ip=proxy, HTTP_X_FORWARDED_FOR=xff).status_code == 429
    # Another client behind the same proxy has its own budget.
    ok = verify(client, one_time.code, ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert ok.status_code == 200


def test_an_ipv6_client_is_counted_by_its_64_network(client, one_time, budget):
    budget(2)
    verify(client, one_time.code, ip="2001:db8:1:2::1")
    verify(client, one_time.code, ip="2001:db8:1:2:ffff::9")
    assert verify(client, one_time.code, ip="2001:db8:1:2::abcd").status_code == 429
    assert verify(client, one_time.code, ip="2001:db8:1:3::1").status_code == 200


def test_the_table_keeps_a_keyed_hash_never_the_address(client, one_time, budget):
    verify(client, one_time.code, ip="203.0.113.77")
    [row] = VerificationThrottle.objects.all()
    assert "203.0.113.77" not in row.key and re.fullmatch(r"[0-9a-f]{64}", row.key)
    assert row.count == 1


def test_finished_windows_are_deleted_when_new_ones_open(client, one_time, budget, monkeypatch):
    start = datetime.datetime(2031, 3, 4, 10, 0, tzinfo=datetime.UTC)
    for n, ip in enumerate(["198.51.100.1", "198.51.100.2", "198.51.100.3"]):
        freeze(monkeypatch, start + datetime.timedelta(seconds=n * WINDOW))
        verify(client, one_time.code, ip=ip)
    # The third window's first row removed the first window's; the previous one stays.
    assert sorted(VerificationThrottle.objects.values_list("window_start", flat=True)) == [
        start + datetime.timedelta(seconds=WINDOW),
        start + datetime.timedelta(seconds=2 * WINDOW),
    ]


@pytest.mark.parametrize(
    ("written", "identity"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("203.0.113.9:51234", "203.0.113.9"),
        ("[2001:db8::1]:443", "2001:db8::/64"),
        ("2001:db8::1", "2001:db8::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
    ],
)
def test_a_port_written_after_the_address_does_not_make_a_new_client(written, identity):
    from certificates.throttle import client_identity

    assert client_identity(written) == identity
