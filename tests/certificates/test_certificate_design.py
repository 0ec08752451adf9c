"""The certificate as a document a surveyor can rely on: what it prints (names in any
script, revision, dates, CE hours, logo, signature, paper size, QR code, metadata), that it
is frozen at issue and re-issued only on purpose, expiry and recertification, revocation,
the renderer's fence around files and URLs, and the system check for fast rendering."""

from __future__ import annotations

import datetime
import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.images import ImageFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image as PILImage
from pypdf import PdfReader
from wagtail.images.models import Image

from certificates import rendering, services
from certificates.models import Certificate
from cms.models import OrganisationSettings
from training import schedule
from training.models import Attempt

from ..conftest import correct_answers, require

pytestmark = pytest.mark.django_db


def pass_over_http(client, module) -> Certificate:
    location = client.post(f"/learn/modules/{module.pk}/start/")["Location"]
    attempt = Attempt.objects.get(pk=int(re.search(r"(\d+)/$", location)[1]))
    response = client.post(location, correct_answers(attempt.questions))
    assert response.status_code in (200, 302)
    return Certificate.objects.filter(completion__attempt=attempt).get()


def pdf_bytes(client, certificate) -> bytes:
    response = client.get(f"/certificates/{certificate.pk}/pdf/")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def flat_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def png_image(title: str, colour: str, size=(300, 100)) -> Image:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, colour).save(buffer, "PNG")
    return Image.objects.create(title=title, file=ImageFile(buffer, name=f"{title}.png"))


@pytest.fixture
def settings_with_images(site):
    org = OrganisationSettings.for_default_site()
    org.organisation_name = "Riverside Children's Hospital"
    org.signatory_name = "Dr Grace Mensah"
    org.signatory_title = "Director of Nursing Education"
    org.ce_statement = "Approved for 0.5 contact hours by the Riverside nursing CE provider unit."
    org.logo = png_image("logo", "teal")
    org.signature_image = png_image("signature", "navy")
    org.paper_size = "a4"
    org.save()
    return org


def test_certificate_prints_everything_a_surveyor_checks(
    people, module, login, settings_with_images
):
    client = login(people.staff)
    certificate = pass_over_http(client, module)
    data = pdf_bytes(client, certificate)
    reader = PdfReader(io.BytesIO(data))
    text = flat_text(data)
    for expected in (
        "Riverside Children's Hospital",
        "Amara Okafor",
        module.title,
        f"Module revision {certificate.module_revision}",
        certificate.completed_on.strftime("%-d %B %Y"),
        "Does not expire",  # the fixture's requirement is one-time
        "CE HOURS",
        "0.5",
        "Approved for 0.5 contact hours",
        "Dr Grace Mensah",
        "Director of Nursing Education",
        certificate.display_code,
        f"http://testserver/verify/{certificate.code}/",
    ):
        assert expected in text, expected
    assert certificate.module_revision == certificate.completion.revision_id
    # A4 landscape: 842 x 595 points.
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    assert len(reader.pages) == 1
    # The code is in the metadata too.
    assert certificate.code in reader.metadata["/Keywords"]
    assert certificate.code in reader.metadata["/Subject"]
    # Logo, signature and the QR code (one pixel per module, drawn without interpolation).
    images = reader.pages[0].images
    assert len(images) == 3
    sizes = sorted(image.image.size for image in images)
    assert sizes[0] == (37, 37)  # a version 4 code and its 2-module quiet zone
    assert certificate.logo_file.startswith("images/") and certificate.signature_file


def test_letter_is_the_default_paper(people, module, login):
    client = login(people.staff)
    certificate = pass_over_http(client, module)
    box = PdfReader(io.BytesIO(pdf_bytes(client, certificate))).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (792, 612)


def _qr_payloads(data: bytes) -> list[str]:
    assert shutil.which("pdftoppm") and shutil.which("zbarimg"), (
        "poppler-utils and zbar-tools are installed by `make install`"
    )
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "certificate.pdf"
        pdf.write_bytes(data)
        subprocess.run(  # noqa: S603
            ["pdftoppm", "-r", "200", "-png", str(pdf), str(Path(folder) / "page")],  # noqa: S607
            check=True,
        )
        [png] = Path(folder).glob("page*.png")
        found = subprocess.run(  # noqa: S603
            ["zbarimg", "--quiet", "--raw", str(png)],  # noqa: S607
            capture_output=True,
            text=True,
        )
    return found.stdout.split()


def test_the_qr_code_reads_as_the_verification_url(people, module, login):
    client = login(people.staff)
    certificate = pass_over_http(client, module)
    assert _qr_payloads(pdf_bytes(client, certificate)) == [certificate.verification_url()]


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("Nguyễn Thị", "Ánh"),
        ("José", "Núñez"),
        ("Zoë", "O’Brien-Łukasik"),
        ("Mariam", "محمد"),  # scripts DejaVu Serif lacks fall back to DejaVu Sans
        ("Yael", "כהן"),
    ],
)
def test_names_in_any_script_print_exactly_with_fonts_embedded(people, module, login, first, last):
    people.staff.first_name, people.staff.last_name = first, last
    people.staff.save()
    client = login(people.staff)
    certificate = pass_over_http(client, module)
    data = pdf_bytes(client, certificate)
    assert f"{first} {last}" in flat_text(data)
    fonts = PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"]
    assert fonts
    for ref in fonts.values():
        font = ref.get_object()
        descendants = font.get("/DescendantFonts")
        descriptor = (
            descendants[0].get_object()["/FontDescriptor"]
            if descendants
            else font["/FontDescriptor"]
        )
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_an_issued_pdf_never_changes_after_edits(people, module, login, settings_with_images):
    client = login(people.staff)
    certificate = pass_over_http(client, module)
    before = pdf_bytes(client, certificate)
    # The module is renamed and republished, the learner's name corrected, the settings
    # changed, and the logo replaced.
    module.title = "Renamed module"
    module.save_revision().publish()
    people.staff.first_name = "Amy"
    people.staff.save()
    org = OrganisationSettings.for_default_site()
    org.organisation_name = "Another name"
    org.paper_size = "letter"
    org.logo = png_image("new-logo", "red")
    org.save()
    assert pdf_bytes(client, certificate) == before
    certificate.refresh_from_db()
    assert certificate.learner_name == "Amara Okafor"
    assert certificate.module_title == "Sample module: reading cues"
    verify = client.get(f"/verify/{certificate.code}/").content.decode()
    assert "Amara Okafor" in verify and "Renamed module" not in verify


def test_reissue_is_explicit_recorded_and_keeps_the_code(
    people, module, login, settings_with_images
):
    client = login(people.staff)
    certificate = pass_over_http(client, module)
    before = pdf_bytes(client, certificate)
    people.staff.first_name = "Amy"
    people.staff.save()
    with pytest.raises(ValidationError):
        services.certificate_reissue(certificate_id=certificate.pk, actor=people.admin, reason=" ")
    reissued = services.certificate_reissue(
        certificate_id=certificate.pk, actor=people.admin, reason="Name corrected by HR"
    )
    assert reissued.code == certificate.code and reissued.learner_name == "Amy Okafor"
    after = pdf_bytes(client, reissued)
    assert after != before and "Amy Okafor" in flat_text(after)
    assert "Re-issued" in flat_text(after)
    latest = reissued.history.first()
    assert latest.history_user == people.admin
    assert latest.history_change_reason == "Re-issued: Name corrected by HR"
    assert latest.prev_record.learner_name == "Amara Okafor"


def test_revocation_needs_a_reason_is_recorded_and_happens_once(people, module, login):
    certificate = pass_over_http(login(people.staff), module)
    with pytest.raises(ValidationError):
        services.certificate_revoke(certificate_id=certificate.pk, actor=people.admin, reason="")
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    services.certificate_revoke(
        certificate_id=certificate.pk, actor=people.admin, reason="Issued in error"
    )
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.history.first().history_user == people.admin
    assert certificate.history.first().history_change_reason == "Revoked: Issued in error"
    with pytest.raises(ValidationError):
        services.certificate_revoke(
            certificate_id=certificate.pk, actor=people.admin, reason="Again"
        )
    with pytest.raises(ValidationError):
        services.certificate_reissue(
            certificate_id=certificate.pk, actor=people.admin, reason="Fix"
        )


def test_expiry_comes_from_the_requirement_and_prints(people, module, login, yearly):
    client = login(people.staff)
    certificate = pass_over_http(client, module)
    expected = schedule.add_months(certificate.completed_on, 12)
    assert certificate.expires_on == expected
    text = flat_text(pdf_bytes(client, certificate))
    assert "VALID UNTIL" in text and expected.strftime("%-d %B %Y") in text
    assert "Does not expire" not in text
    assert certificate.status_on(expected) == Certificate.Status.VALID
    assert certificate.status_on(expected + datetime.timedelta(days=1)) == "expired"


def test_recertification_issues_a_new_code_and_the_old_one_expires(
    people, module, login, yearly, monkeypatch
):
    client = login(people.staff)
    first = pass_over_http(client, module)
    # Eleven months on, the renewal window is open and she passes again.
    later = timezone.now() + datetime.timedelta(days=335)
    monkeypatch.setattr(timezone, "now", lambda: later)
    client = login(people.staff)  # a new session: the first has long expired
    second = pass_over_http(client, module)
    assert second.code != first.code
    assert second.completed_on == timezone.localdate(later)
    assert second.expires_on > first.expires_on
    # Once the first certificate's date has passed it verifies as expired, the new one valid.
    after_first = timezone.make_aware(
        datetime.datetime.combine(first.expires_on + datetime.timedelta(days=1), datetime.time(9))
    )
    monkeypatch.setattr(timezone, "now", lambda: after_first)
    old_page = client.get(f"/verify/{first.code}/").content.decode()
    new_page = client.get(f"/verify/{second.code}/").content.decode()
    assert "Expired" in old_page and "Valid" in new_page
    assert first.expires_on.strftime("%-d %B %Y") in old_page


# --- the renderer's fence -------------------------------------------------------------------


def test_fetcher_reads_media_and_static_files(settings_with_images):
    fetcher = rendering.ProjectFilesFetcher()
    logo = settings_with_images.logo
    response = fetcher.fetch(rendering.media_url(logo.file.name))
    assert response.read().startswith(b"\x89PNG")
    assert response.content_type == "image/png"
    static = Path(__file__).resolve().parents[2] / "static"
    css = next(static.rglob("*.css"))
    assert fetcher.fetch(css.as_uri()).read()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file:///etc/../etc/passwd",
        "http://127.0.0.1:8000/static/x.css",
        "https://example.org/logo.png",
        "ftp://example.org/x",
        "/static/relative.css",
    ],
)
def test_fetcher_refuses_files_outside_static_and_media_and_any_network(url):
    with pytest.raises(rendering.FetchRefused):
        rendering.ProjectFilesFetcher().fetch(url)


def test_fetcher_refuses_a_symlink_that_leaves_media(settings):
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    link = media / "escape"
    link.symlink_to("/etc")
    try:
        with pytest.raises(rendering.FetchRefused):
            rendering.ProjectFilesFetcher().fetch((link / "passwd").as_uri())
    finally:
        link.unlink()


def test_fetcher_refuses_files_over_the_size_limit(settings, monkeypatch):
    Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
    big = Path(settings.MEDIA_ROOT) / "big.png"
    big.write_bytes(b"\x89PNG" + b"0" * 2048)
    monkeypatch.setattr(rendering, "MAX_FETCH_BYTES", 1024)
    with pytest.raises(rendering.FetchRefused):
        rendering.ProjectFilesFetcher().fetch(big.as_uri())


@pytest.mark.parametrize("xhtml", [False, True], ids=["html-parser", "xml-parser"])
def test_a_pdf_that_links_a_private_file_renders_without_it(monkeypatch, xhtml):
    """WeasyPrint asks the fetcher, whichever parser read the document; a refused file is
    left out, never read."""
    html = (
        '<html><body><p>Hello</p><img src="file:///etc/passwd"/>'
        '<link rel="stylesheet" href="http://127.0.0.1/x.css"/></body></html>'
    )
    refused, fetch = [], rendering.ProjectFilesFetcher.fetch

    def watched(self, url, headers=None):
        try:
            return fetch(self, url, headers)
        except rendering.FetchRefused:
            refused.append(url)
            raise

    monkeypatch.setattr(rendering.ProjectFilesFetcher, "fetch", watched)
    rendering._local.__dict__.pop("image_cache", None)  # a refusal is cached like an image
    pdf = rendering.html_to_pdf(html, xhtml=xhtml)
    assert flat_text(pdf) == "Hello"
    assert not PdfReader(io.BytesIO(pdf)).pages[0].images
    assert sorted(refused) == ["file:///etc/passwd", "http://127.0.0.1/x.css"]


def test_the_reused_fetcher_never_opens_a_request_object():
    from urllib.request import Request

    fetcher = rendering._fetcher()
    assert rendering._fetcher() is fetcher  # one per thread
    with pytest.raises(rendering.FetchRefused):
        fetcher.open(Request("file:///etc/passwd"))  # noqa: S310 (must be refused)
    # What WeasyPrint's own `open` leaves behind for the next fetch:
    fetcher._request = Request("file:///etc/passwd")  # noqa: S310 (must not be opened)
    response = fetcher.fetch("data:text/plain,hello")
    assert response.url.startswith("data:")


def test_render_time_and_size_are_limited(monkeypatch):
    with pytest.raises(rendering.RenderTimeout):
        rendering.html_to_pdf("<p>x</p>" * 20000, seconds=0.01)
    monkeypatch.setattr(rendering, "MAX_HTML_BYTES", 100)
    with pytest.raises(rendering.RenderTooLarge):
        rendering.html_to_pdf("<p>" + "x" * 200 + "</p>")


def test_system_check_warns_without_harfbuzz_subset(monkeypatch):
    from weasyprint.text import ffi

    out = io.StringIO()
    call_command("check", stdout=out)
    assert "certificates.W001" not in out.getvalue()
    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    from certificates.checks import harfbuzz_subset_check

    [warning] = harfbuzz_subset_check()
    assert warning.id == "certificates.W001" and "libharfbuzz-subset0" in warning.msg


def test_migration_backfills_the_expiry_of_earlier_certificates(people, module, login, yearly):
    import importlib

    from django.apps import apps

    backfill = importlib.import_module("certificates.migrations.0007_backfill_expiry").backfill
    certificate = pass_over_http(login(people.staff), module)
    expected = certificate.expires_on
    assert expected is not None
    Certificate.objects.filter(pk=certificate.pk).update(expires_on=None)
    backfill(apps, None)
    certificate.refresh_from_db()
    assert certificate.expires_on == expected


def test_status_query_agrees_with_status_on(people, module, login, yearly):
    certificate = pass_over_http(login(people.staff), module)
    expiry = certificate.expires_on
    for day in (expiry - datetime.timedelta(days=1), expiry, expiry + datetime.timedelta(days=1)):
        for status in Certificate.Status.values:
            matched = Certificate.objects.filter(Certificate.status_q(status, day)).exists()
            assert matched == (certificate.status_on(day) == status), (day, status)
    services.certificate_revoke(certificate_id=certificate.pk, actor=people.admin, reason="Test")
    certificate.refresh_from_db()
    for status in Certificate.Status.values:
        matched = Certificate.objects.filter(Certificate.status_q(status, expiry)).exists()
        assert matched == (status == Certificate.Status.REVOKED)


def test_modules_of_a_set_each_carry_the_sets_expiry(people, module, login, site):
    """A yearly set of two modules: the certificate of the module done first expires like
    the one done last (a year after its own completion), not "never"."""
    from training.models import ModuleSet

    from ..conftest import SAMPLE_SPEC, publish_module

    people.requirement.active = False
    people.requirement.save()
    second = publish_module(site.catalogue, dict(SAMPLE_SPEC, slug="second", title="Second"))
    bundle = ModuleSet.objects.create(name="Yearly bundle")
    bundle.modules.set([module, second])
    require(
        bundle,
        roles=[people.nurse_role],
        frequency=schedule.RECURRING,
        interval_months=12,
        due_days=30,
        effective_from=timezone.localdate() - datetime.timedelta(days=365),
    )
    client = login(people.staff)
    first_done = pass_over_http(client, module)
    last_done = pass_over_http(client, second)
    year = schedule.add_months(first_done.completed_on, 12)
    assert first_done.expires_on == year and last_done.expires_on == year


def test_a_long_reason_is_kept_whole_in_the_history(people, module, login):
    """Reasons go into history as text: PostgreSQL would refuse more than 100 characters in
    the history's default varchar column."""
    certificate = pass_over_http(login(people.staff), module)
    reason = "Recorded for the wrong person after a badge mix-up on the ward; " * 5
    services.certificate_revoke(certificate_id=certificate.pk, actor=people.admin, reason=reason)
    latest = certificate.history.first()
    assert latest.history_change_reason == f"Revoked: {reason.strip()}"


def test_system_check_warns_when_a_proxy_is_trusted_but_not_counted(settings):
    from certificates.checks import trusted_proxy_check

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ATTUNE_TRUSTED_PROXY_COUNT = 0
    [warning] = trusted_proxy_check()
    assert warning.id == "certificates.W002"
    settings.ATTUNE_TRUSTED_PROXY_COUNT = 1
    assert trusted_proxy_check() == []


def test_reusing_encoded_images_writes_exactly_what_weasyprint_writes(
    people, module, login, settings_with_images, monkeypatch
):
    """The renderer keeps each cached image's encoded PDF stream between renders (a tenth of a
    certificate's time). The PDF must be byte for byte what WeasyPrint writes without that,
    including a logo with transparency, on the first render and on later ones."""
    from weasyprint.images import RasterImage

    buffer = io.BytesIO()
    PILImage.new("RGBA", (200, 80), (0, 104, 125, 128)).save(buffer, "PNG")
    org = settings_with_images
    org.logo = Image.objects.create(title="clear", file=ImageFile(buffer, name="clear.png"))
    org.save()
    certificate = pass_over_http(login(people.staff), module)
    reused = [rendering.render_certificate_pdf(certificate) for _ in range(3)]
    assert reused[0] == reused[1] == reused[2]
    assert RasterImage.get_x_object is rendering._reused_x_object
    monkeypatch.setattr(RasterImage, "get_x_object", rendering._encode_x_object)
    rendering._local.__dict__.pop("image_cache", None)
    assert rendering.render_certificate_pdf(certificate) == reused[0]
    assert len(PdfReader(io.BytesIO(reused[0])).pages[0].images) >= 3  # logo, signature, QR


@pytest.mark.parametrize(
    ("first", "last"),
    [("Nguyễn Thị", "Ánh"), ("Zoë", "O’Brien-Łukasik & <Sons>"), ('Ana "Nené"', "D'Souza")],
)
def test_parsing_the_certificate_as_xml_writes_exactly_what_the_html_parser_writes(
    people, module, login, settings_with_images, monkeypatch, first, last
):
    """The certificate's template is parsed as XML (expat) instead of by WeasyPrint's HTML5
    parser (rendering._document). The PDF must be byte for byte the same, for names with
    characters that need escaping too, and the HTML parser must not be needed at all."""
    import weasyprint

    people.staff.first_name, people.staff.last_name = first, last
    people.staff.save()
    certificate = pass_over_http(login(people.staff), module)
    assert rendering.XHTML_SHORTCUT

    def no_html_parser(*args, **kwargs):
        raise AssertionError("the certificate went through the HTML parser")

    with monkeypatch.context() as patched:
        patched.setattr(weasyprint.tinyhtml5, "parse", no_html_parser)
        as_xml = rendering.render_certificate_pdf(certificate)
    monkeypatch.setattr(rendering, "XHTML_SHORTCUT", False)
    as_html = rendering.render_certificate_pdf(certificate)
    assert as_xml == as_html
    assert f"{first} {last}" in flat_text(as_xml)


def test_a_document_xml_cannot_read_goes_through_the_html_parser():
    pdf = rendering.html_to_pdf("<p>Not closed<br>at all &nbsp; here", xhtml=True)
    assert "Not closed" in flat_text(pdf)


def test_xml_entity_declarations_are_never_expanded():
    bomb = '<!DOCTYPE p [<!ENTITY x "expanded">]><p>Entity: &x;</p>'
    text = flat_text(rendering.html_to_pdf(bomb, xhtml=True))
    assert "Entity" in text and "expanded" not in text


def test_the_certificate_uses_one_font_face(people, module, login, settings_with_images):
    """Each font face embedded costs a certificate about 3.5 ms (bench/README.md): the design
    is set in DejaVu Serif alone, without bold."""
    client = login(people.staff)
    data = pdf_bytes(client, pass_over_http(client, module))
    fonts = PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"]
    names = sorted(str(ref.get_object()["/BaseFont"]).split("+", 1)[1] for ref in fonts.values())
    assert names == ["DejaVu-Serif"]


def test_issuing_and_reissuing_read_only_what_they_print(
    people, module, login, settings_with_images, django_assert_num_queries
):
    """Issuing is part of the learner's passing request: a fixed, small number of queries
    (an existing certificate? the settings and their site, the completion with the person,
    module and revision in one query, the requirements for the expiry, the two images, the
    row and its history, inside a savepoint), and none for fields left unloaded."""
    from training.models import Completion

    certificate = pass_over_http(login(people.staff), module)
    completion = Completion.objects.get(pk=certificate.completion_id)
    Certificate.objects.filter(pk=certificate.pk).delete()
    with django_assert_num_queries(11):
        issued = services.certificate_issue(completion=completion)
    assert issued.learner_name == people.staff.get_full_name()
    assert issued.module_title == module.title and issued.ce_hours == module.ce_hours
    # The same reads, the model's full validation (rare, and done by hand), the row, its
    # history and the stored PDF's name.
    with django_assert_num_queries(16):
        services.certificate_reissue(
            certificate_id=issued.pk, actor=people.lead, reason="Name corrected"
        )
