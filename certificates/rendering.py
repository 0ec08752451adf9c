"""Certificate and competency-report PDFs with WeasyPrint.

The HTML is self-contained (inline CSS, fonts from the system), so the URL fetcher refuses
everything except data: URLs: rendering never reads a file or the network.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher


class RefusingURLFetcher(URLFetcher):
    """Fetch nothing but inline data: URLs."""

    def fetch(self, url, headers=None):
        if not url.lower().startswith("data:"):
            raise ValueError(f"Attune does not fetch external resources in PDFs: {url[:80]}")
        return super().fetch(url, headers)


def html_to_pdf(html: str) -> bytes:
    """Self-contained HTML to PDF bytes; nothing is fetched but data: URLs."""
    return HTML(string=html, url_fetcher=RefusingURLFetcher()).write_pdf()


def render_certificate_pdf(certificate) -> bytes:
    html = render_to_string("certificates/certificate_pdf.html", {"certificate": certificate})
    return html_to_pdf(html)


def render_competency_report_pdf(context: dict) -> bytes:
    """A unit's competency report; `context` from `services._competency_report_context`."""
    return html_to_pdf(render_to_string("certificates/competency_report.html", context))
