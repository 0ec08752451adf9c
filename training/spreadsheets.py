"""Helpers for every spreadsheet Attune exports (CSV and XLSX)."""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(value) -> str:
    """Neutralise values a spreadsheet would run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    if text and (text[0] in FORMULA_PREFIXES or ord(text[0]) < 32):
        return "'" + text
    return text


class Echo:
    """A file-like object whose write() returns the line, for streamed CSV responses."""

    def write(self, value):
        return value
