"""Certificate, transcript and competency-report PDFs with WeasyPrint.

Rendering is fenced in:

- the URL fetcher (`ProjectFilesFetcher`) reads only inline data: URLs and files inside the
  project's static folders and the media folder, each at most `MAX_FETCH_BYTES`; any other
  file:// path, http(s):// or other scheme is refused;
- the HTML is at most `MAX_HTML_BYTES`, and a render that runs longer than its time limit is
  stopped (`RenderTimeout`) where the process allows it (see `_deadline`);
- the font configuration is built once per thread and reused, so a long-running worker does
  not scan the system's fonts again for every certificate.
"""

from __future__ import annotations

import contextlib
import mimetypes
import signal
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

MAX_FETCH_BYTES = 5 * 2**20  # one image or stylesheet
MAX_HTML_BYTES = 50 * 2**20  # a competency report of thousands of staff stays well under this
CERTIFICATE_SECONDS = 20
REPORT_SECONDS = 600


class FetchRefused(ValueError):
    """A URL the PDF renderer will not read."""


class RenderTimeout(Exception):
    """A render ran past its time limit."""


class _Expired(BaseException):
    """Raised by the timer inside WeasyPrint: a BaseException, so that none of its
    `except Exception` blocks can swallow it; `html_to_pdf` turns it into RenderTimeout."""


class RenderTooLarge(ValueError):
    """The HTML to render is larger than `MAX_HTML_BYTES`."""


def allowed_roots() -> list[Path]:
    """Folders whose files a PDF may include: the media folder and every static folder
    (collected STATIC_ROOT, STATICFILES_DIRS and each app's static folder)."""
    roots = [settings.MEDIA_ROOT]
    if settings.STATIC_ROOT:
        roots.append(settings.STATIC_ROOT)
    for finder in finders.get_finders():
        for _prefix, storage in getattr(finder, "locations", []):
            roots.append(storage)
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(location)
    return [Path(r).resolve() for r in roots if r]


class ProjectFilesFetcher(URLFetcher):
    """Fetch data: URLs, and file:// URLs inside `allowed_roots()`; refuse everything else."""

    def __init__(self, *args, roots: list[Path] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.roots = roots if roots is not None else allowed_roots()

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise FetchRefused(f"Attune's PDFs read no {scheme or 'relative'} URLs: {url[:80]}")
        path = self.allowed_path(url)
        size = path.stat().st_size
        if size > MAX_FETCH_BYTES:
            raise FetchRefused(f"{path.name} is {size:,} bytes; the limit is {MAX_FETCH_BYTES:,}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": content_type}
        )

    def allowed_path(self, url: str) -> Path:
        """The real path of a file:// URL, if it lies in an allowed folder (symbolic links
        and .. resolved first), else FetchRefused."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise FetchRefused(f"Attune's PDFs read no files from other hosts: {url[:80]}")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise FetchRefused(f"Outside the project's static and media files: {url[:80]}")
        if not path.is_file():
            raise FetchRefused(f"No such file: {url[:80]}")
        return path


_local = threading.local()


def _font_config() -> FontConfiguration:
    """One font configuration per thread, reused for every render in it."""
    config = getattr(_local, "font_config", None)
    if config is None:
        config = _local.font_config = FontConfiguration()
    return config


@contextlib.contextmanager
def _deadline(seconds: float):
    """Raise RenderTimeout in the render if it runs past `seconds`. Uses a timer signal, so
    it works in a process's main thread (gunicorn's sync workers, the task worker, commands);
    elsewhere the render runs unbounded."""
    if threading.current_thread() is not threading.main_thread() or not seconds:
        yield
        return

    def expire(_signum, _frame):
        raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def html_to_pdf(html: str, *, seconds: float = REPORT_SECONDS) -> bytes:
    """HTML to PDF bytes, reading only the project's own files, within a time limit."""
    if len(html.encode()) > MAX_HTML_BYTES:
        raise RenderTooLarge(f"The document is larger than {MAX_HTML_BYTES // 2**20} MB")
    try:
        with _deadline(seconds):
            document = HTML(string=html, url_fetcher=ProjectFilesFetcher())
            return document.write_pdf(font_config=_font_config())
    except _Expired:
        raise RenderTimeout(f"Rendering took longer than {seconds} s") from None


def media_url(name: str) -> str:
    """A URL the fetcher accepts for a file in media storage: file:// where the storage is a
    folder on this machine, otherwise the bytes inline."""
    if not name:
        return ""
    try:
        return Path(default_storage.path(name)).resolve().as_uri()
    except NotImplementedError:  # remote storage: inline the bytes
        import base64

        with default_storage.open(name, "rb") as f:
            data = f.read(MAX_FETCH_BYTES + 1)
        if len(data) > MAX_FETCH_BYTES:
            return ""
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"


def qr_data_uri(payload: str) -> str:
    """A QR code (SVG, error correction M) of `payload`, as a data: URI."""
    return segno.make(payload, error="m", micro=False).svg_data_uri(scale=4, border=2)


def render_certificate_pdf(certificate) -> bytes:
    """The certificate as issued: everything it prints comes from its frozen fields."""
    url = certificate.verification_url()
    html = render_to_string(
        "certificates/certificate_pdf.html",
        {
            "certificate": certificate,
            "verification_url": url,
            "qr": qr_data_uri(url),
            "logo": media_url(certificate.logo_file),
            "signature": media_url(certificate.signature_file),
        },
    )
    return html_to_pdf(html, seconds=CERTIFICATE_SECONDS)


def render_transcript_pdf(context: dict) -> bytes:
    """A learner's transcript; `context` holds `t` (`transcripts.transcript_data`) and
    `generated_at`."""
    html = render_to_string("certificates/transcript_pdf.html", context)
    return html_to_pdf(html, seconds=CERTIFICATE_SECONDS * 3)


def render_competency_report_pdf(context: dict) -> bytes:
    """A unit's competency report; `context` from `services._competency_report_context`."""
    return html_to_pdf(render_to_string("certificates/competency_report.html", context))
