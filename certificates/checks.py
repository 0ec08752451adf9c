"""System checks for what certificate rendering needs from the machine."""

from django.core import checks
from django.utils.translation import gettext as _


@checks.register()
def harfbuzz_subset_check(app_configs=None, **kwargs):
    """Warn when HarfBuzz's subsetter (Debian: libharfbuzz-subset0) is missing: WeasyPrint
    then embeds fonts another way and PDFs render about three times slower."""
    from weasyprint.text import ffi

    if getattr(ffi, "harfbuzz_subset", None) is None:
        return [
            checks.Warning(
                _(
                    "libharfbuzz-subset0 is not installed, so certificate and report PDFs "
                    "render about three times slower."
                ),
                hint=_("Install it (apt-get install libharfbuzz-subset0), or run `make install`."),
                id="certificates.W001",
            )
        ]
    return []


@checks.register()
def trusted_proxy_check(app_configs=None, **kwargs):
    """Warn when Attune is set up to sit behind a reverse proxy (it trusts the proxy's HTTPS
    header) but counts no proxies: every visitor would then share the proxy's address, and
    one person guessing codes would lock everyone out of verification."""
    from django.conf import settings

    behind_proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if behind_proxy and not settings.DEBUG and settings.ATTUNE_TRUSTED_PROXY_COUNT == 0:
        return [
            checks.Warning(
                _(
                    "Verification is rate-limited per client, but ATTUNE_TRUSTED_PROXY_COUNT is "
                    "0 behind a reverse proxy: every visitor would share the proxy's address."
                ),
                hint=_(
                    "Set ATTUNE_TRUSTED_PROXY_COUNT to the number of proxies in front of "
                    "gunicorn (usually 1)."
                ),
                id="certificates.W002",
            )
        ]
    return []
