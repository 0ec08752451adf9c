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
import functools
import gc
import mimetypes
import signal
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

import cssselect2
import defusedxml
import defusedxml.ElementTree
import pydyf
import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.images import RasterImage
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .qr import qr_data_uri

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
    (collected STATIC_ROOT, STATICFILES_DIRS and each app's static folder). Worked out once
    per combination of those settings."""
    return _allowed_roots(
        str(settings.MEDIA_ROOT),
        str(settings.STATIC_ROOT or ""),
        tuple(str(d) for d in settings.STATICFILES_DIRS),
    )


@functools.lru_cache(maxsize=8)
def _allowed_roots(media_root: str, static_root: str, _dirs: tuple[str, ...]) -> list[Path]:
    roots = [media_root]
    if static_root:
        roots.append(static_root)
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
        kwargs.setdefault("allowed_protocols", ("data",))  # what reaches urllib at all
        super().__init__(*args, **kwargs)
        self.roots = roots if roots is not None else allowed_roots()

    def open(self, url, data=None, timeout=None):
        """Only URLs as strings: urllib's `Request` objects are never opened (WeasyPrint's own
        `open` keeps one for its next fetch, which a fetcher reused between renders must not
        carry over)."""
        if not isinstance(url, str):
            raise FetchRefused("Attune's PDFs open URLs, not requests")
        return self.fetch(url)

    def fetch(self, url, headers=None):
        self._request = None  # see `open`
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


IMAGE_CACHE_ENTRIES = 64


def _image_cache() -> dict:
    """WeasyPrint's image cache, kept per thread between renders so the logo and signature
    are read and encoded once, not for every certificate. Emptied whenever it has grown past
    IMAGE_CACHE_ENTRIES (each certificate's QR code adds a couple of entries), so memory stays
    flat in a long-running worker; never during a render."""
    cache = getattr(_local, "image_cache", None)
    if cache is None or len(cache) > IMAGE_CACHE_ENTRIES:
        cache = _local.image_cache = {}
    return cache


_encode_x_object = RasterImage.get_x_object


def _reused_x_object(image: RasterImage, interpolate: bool, dpi_ratio: float) -> pydyf.Stream:
    """`RasterImage.get_x_object`, worked out once per image, interpolation and resolution.

    WeasyPrint decodes a PNG image and encodes it again (with its alpha channel split off) for
    every PDF it writes, even when the image itself comes from the image cache: for the logo
    and the signature that is about a tenth of a certificate's render. The image objects kept
    in `_image_cache` (keyed by file and modification time) now keep their encoded PDF stream
    too, and each PDF gets its own copy of the stream object around the same bytes, so the
    PDF is byte for byte what WeasyPrint writes itself."""
    memo = image.__dict__.setdefault("_attune_x_objects", {})
    key = (interpolate, dpi_ratio)
    if key not in memo:
        memo[key] = _encode_x_object(image, interpolate, dpi_ratio)
    return _stream_copy(memo[key])


def _stream_copy(stream: pydyf.Stream) -> pydyf.Stream:
    """A new stream object with the same data, for one PDF to number and refer to (writing a
    PDF replaces an image's soft mask by a reference in its own copy)."""
    extra = pydyf.Dictionary(stream.extra)
    if isinstance(extra.get("SMask"), pydyf.Stream):
        extra["SMask"] = _stream_copy(extra["SMask"])
    return pydyf.Stream(list(stream.stream), extra, compress=stream.compress)


# Written against WeasyPrint 70's RasterImage and pydyf's Stream. Another major version may
# change them, so the patch is left off there (renders stay correct, only slower), and the test
# that checks the reused streams are byte-identical fails until someone checks it again.
if weasyprint.__version__.split(".")[0] == "70":
    RasterImage.get_x_object = _reused_x_object


@contextlib.contextmanager
def _deadline(seconds: float):
    """Raise RenderTimeout in the render if it runs past `seconds`. Uses a timer signal, so
    it works in a process's main thread (gunicorn's sync workers, the task worker, commands);
    elsewhere the render runs unbounded."""
    if (
        threading.current_thread() is not threading.main_thread()
        or not seconds
        or signal.getitimer(signal.ITIMER_REAL)[0] > 0  # someone else's timer: leave it be
    ):
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


def certificate_stylesheet(paper_size: str) -> CSS:
    """The certificate's stylesheet for this paper size, parsed once per worker thread (CSS
    parsing is a fifth of a certificate's render time)."""
    cache = getattr(_local, "stylesheets", None)
    if cache is None:
        cache = _local.stylesheets = {}
    if paper_size not in cache:
        text = render_to_string("certificates/certificate_pdf.css", {"paper_size": paper_size})
        cache[paper_size] = CSS(string=text, font_config=_font_config())
    return cache[paper_size]


def _fetcher() -> ProjectFilesFetcher:
    """One URL fetcher per thread: building one sets up urllib's handlers, a millisecond of a
    certificate's render. It carries nothing from one fetch to the next (see its `open`)."""
    fetcher = getattr(_local, "fetcher", None)
    if fetcher is None or fetcher.roots != allowed_roots():
        fetcher = _local.fetcher = ProjectFilesFetcher()
    return fetcher


# WeasyPrint 70's HTML keeps the parsed tree and these four attributes, nothing else
# (weasyprint/__init__.py, HTML.__init__).
XHTML_SHORTCUT = weasyprint.__version__.split(".")[0] == "70"


def _document(html: str, xhtml: bool) -> HTML:
    """The document WeasyPrint lays out.

    WeasyPrint parses HTML with tinyhtml5, a pure-Python HTML5 parser: about 3 ms for a
    certificate. The certificate template is also well-formed XML, so when `xhtml` is set it
    is parsed by the standard library's expat parser (through defusedxml, which refuses
    entity declarations; about 0.1 ms) into the same tree of plain (namespace-free) elements
    that tinyhtml5 builds; the PDF is byte-identical (tests/certificates/
    test_certificate_design.py). One difference: XML turns a tab or line break inside an
    attribute value into a space (the PDF's Author, from the organisation name, say), where
    HTML keeps it. Anything expat refuses (control characters in a name, say) goes through
    tinyhtml5 as before."""
    fetcher = _fetcher()
    if xhtml and XHTML_SHORTCUT:
        try:
            root = defusedxml.ElementTree.fromstring(html)  # no entity declarations
        except (ElementTree.ParseError, defusedxml.DefusedXmlException):
            pass
        else:
            document = HTML.__new__(HTML)
            document.base_url = None
            document.url_fetcher = fetcher
            document.media_type = "print"
            document.wrapper_element = cssselect2.ElementWrapper.from_html_root(
                root, content_language=None
            )
            document.etree_element = document.wrapper_element.etree_element
            return document
    return HTML(string=html, url_fetcher=fetcher)


def html_to_pdf(
    html: str,
    *,
    seconds: float = REPORT_SECONDS,
    stylesheets: list[CSS] | None = None,
    xhtml: bool = False,
) -> bytes:
    """HTML to PDF bytes, reading only the project's own files, within a time limit. `xhtml`:
    the HTML is also well-formed XML without a <base> element (see `_document`)."""
    if len(html.encode()) > MAX_HTML_BYTES:
        raise RenderTooLarge(f"The document is larger than {MAX_HTML_BYTES // 2**20} MB")
    try:
        with _deadline(seconds):
            pdf = _document(html, xhtml).write_pdf(
                font_config=_font_config(), stylesheets=stylesheets, cache=_image_cache()
            )
    except _Expired:
        raise RenderTimeout(f"Rendering took longer than {seconds} s") from None
    _freeze_long_lived_objects()
    return pdf


_frozen = False


def _freeze_long_lived_objects() -> None:
    """Once per process, after its first render: move everything alive now (Django, Wagtail,
    WeasyPrint and the fonts, all kept for the life of a worker) out of the garbage
    collector's reach, so that its full collections stop walking them again and again. A
    worker issuing certificates otherwise pauses about 0.2 s every few dozen renders. A
    one-off cost: whatever that first render's request still holds is kept for the life of
    the process."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


def media_url(name: str) -> str:
    """A URL the fetcher accepts for a file in media storage: file:// where the storage is a
    folder on this machine, otherwise the bytes inline."""
    if not name:
        return ""
    try:
        path = Path(default_storage.path(name)).resolve()
    except NotImplementedError:  # remote storage: inline the bytes
        import base64

        with default_storage.open(name, "rb") as f:
            data = f.read(MAX_FETCH_BYTES + 1)
        if len(data) > MAX_FETCH_BYTES:
            return ""
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"
    # The file's modification time in the query (the fetcher ignores it) keys WeasyPrint's
    # image cache by content as well as by name.
    try:
        version = path.stat().st_mtime_ns
    except OSError:
        version = 0
    return f"{path.as_uri()}?v={version}"


@contextlib.contextmanager
def _collector_paused():
    """Keep Python's cyclic garbage collector out of a short render. A certificate allocates
    a great many objects and frees nearly all of them as it goes (reference counting), yet
    the collector would keep running meanwhile: 1 to 1.5 ms of a render (bench/README.md).
    Whatever cyclic garbage the render leaves is collected by the next collection after it.
    The switch is process-wide, so only in a process's main thread (the task worker,
    gunicorn's sync workers, commands), never beside other threads' work; and not for
    reports: a long render should not hold its garbage."""
    if not gc.isenabled() or threading.current_thread() is not threading.main_thread():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def render_certificate_pdf(certificate) -> bytes:
    """The certificate as issued: everything it prints comes from its frozen fields."""
    with _collector_paused():
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
        return html_to_pdf(
            html,
            seconds=CERTIFICATE_SECONDS,
            stylesheets=[certificate_stylesheet(certificate.paper_size)],
            xhtml=True,
        )


def render_transcript_pdf(context: dict) -> bytes:
    """A learner's transcript; `context` holds `t` (`transcripts.transcript_data`) and
    `generated_at`."""
    html = render_to_string("certificates/transcript_pdf.html", context)
    return html_to_pdf(html, seconds=CERTIFICATE_SECONDS * 3)


def render_competency_report_pdf(context: dict) -> bytes:
    """A unit's competency report; `context` from `services._competency_report_context`."""
    return html_to_pdf(render_to_string("certificates/competency_report.html", context))
