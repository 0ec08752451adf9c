"""Certificate PDFs with WeasyPrint.

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


def render_certificate_pdf(certificate) -> bytes:
    html = render_to_string("certificates/certificate_pdf.html", {"certificate": certificate})
    return HTML(string=html, url_fetcher=RefusingURLFetcher()).write_pdf()
