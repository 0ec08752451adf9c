"""System checks for what certificate rendering needs from the machine."""

from django.core import checks


@checks.register()
def harfbuzz_subset_check(app_configs=None, **kwargs):
    """Warn when HarfBuzz's subsetter (Debian: libharfbuzz-subset0) is missing: WeasyPrint
    then embeds fonts another way and PDFs render about three times slower."""
    from weasyprint.text import ffi

    if getattr(ffi, "harfbuzz_subset", None) is None:
        return [
            checks.Warning(
                "libharfbuzz-subset0 is not installed, so certificate and report PDFs render "
                "about three times slower.",
                hint="Install it (apt-get install libharfbuzz-subset0), or run `make install`.",
                id="certificates.W001",
            )
        ]
    return []
