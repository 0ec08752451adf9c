"""The design system is served from the project's own static files, never a CDN.

`make frontend` compiles Attune's USWDS theme into static/uswds/; production collects it with
Django's manifest storage, which refuses any stylesheet or script that names a file that is not
there (a font, an icon, a source map).
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

STATIC = settings.BASE_DIR / "static"


def test_the_design_system_is_built():
    css = STATIC / "uswds" / "css" / "attune-uswds.css"
    assert css.exists(), "static/uswds is missing: run `make frontend`"
    text = css.read_text(encoding="utf-8")
    assert ".usa-button" in text and ".usa-step-indicator" in text
    # Attune's theme, not the default blue: the primary colour is cyan-70v.
    assert "#00687d" in text.lower()
    # Every font and image the stylesheet names is beside it, and none comes from elsewhere.
    for url in re.findall(r"url\(\"?([^\")]+)\"?\)", text):
        if url.startswith("data:") or not url:
            continue
        assert not url.startswith(("http:", "https:", "//")), url
        assert (css.parent / url).resolve().exists(), url


@pytest.mark.django_db
def test_pages_link_only_local_styles_and_scripts(client):
    html = client.get("/accounts/login/").content.decode()
    assets = re.findall(r'<(?:link|script)[^>]+(?:href|src)="([^"]+)"', html)
    assert "/static/uswds/css/attune-uswds.css" in assets
    assert "/static/uswds/js/uswds.min.js" in assets
    assert all(a.startswith("/static/") for a in assets), assets


def test_collectstatic_with_the_manifest_finds_every_reference(tmp_path):
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "uswds/css/attune-uswds.css" in manifest
    assert "uswds/fonts/public-sans/PublicSans-Regular.woff2" in manifest
