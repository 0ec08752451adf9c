"""Every table a report shows can be downloaded as CSV (streamed) or XLSX.

A report view describes each of its tables once, as a `Table` (headings and a lazy row
iterator); `export_response` turns the `?export=csv|xlsx&table=<name>` of a request into the
file. The admin's report views (Wagtail ReportView) use the same tables, so each report has
one implementation. Every text cell is neutralised against formula injection, in both
formats; numbers Attune computed are written as numbers (a change of -21.5 points is data).
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify

from .spreadsheets import Echo, spreadsheet_safe

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Table:
    """A table as it is exported: a title, the headings and the rows (any iterable)."""

    name: str  # the ?table= value and part of the file name
    title: str  # the worksheet title
    headings: Sequence[str]
    rows: Iterable[Sequence]


def _is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _csv_value(value):
    """Numbers stay numbers (a negative change is data, not a formula); dates are ISO; text
    is neutralised."""
    if _is_number(value):
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()
    return spreadsheet_safe(value)


def _xlsx_value(value):
    if value is None or _is_number(value) or isinstance(value, datetime.date):
        return value
    return spreadsheet_safe(value)


def filename(*parts) -> str:
    """attune-<parts>-<today>, slugified."""
    words = [slugify(str(p)) for p in parts if p not in (None, "")]
    return "-".join(["attune", *[w for w in words if w], timezone.localdate().isoformat()])


def csv_response(table: Table, name: str) -> StreamingHttpResponse:
    writer = csv.writer(Echo())

    def lines():
        yield writer.writerow([_csv_value(h) for h in table.headings])
        for row in table.rows:
            yield writer.writerow([_csv_value(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def write_xlsx(table: Table, output) -> None:
    """Write one worksheet; openpyxl's write-only mode keeps memory flat."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.title[:31] or "Report")

    def cells(values):
        for value in values:
            cell = WriteOnlyCell(sheet, _xlsx_value(value))
            if cell.data_type == "f":  # never a formula, whatever openpyxl guessed
                cell.data_type = "s"
            if isinstance(value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
            yield cell

    sheet.append(list(cells(table.headings)))
    for row in table.rows:
        sheet.append(list(cells(row)))
    workbook.save(output)


def xlsx_response(table: Table, name: str) -> FileResponse:
    # Closed by the response once sent.
    output = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    write_xlsx(table, output)
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=f"{name}.xlsx", content_type=XLSX_TYPE)


def requested(request) -> str | None:
    fmt = request.GET.get("export")
    return fmt if fmt in FORMATS else None


def export_response(request, tables: dict[str, Callable[[], Table]], *name_parts):
    """The file a request asks for with ?export=csv|xlsx[&table=name], or None when it asks
    for the page. An unknown table name gets the page's first table. The file is named
    attune-<name parts>-<table>-<date>."""
    fmt = requested(request)
    if fmt is None:
        return None
    key = request.GET.get("table")
    build = tables.get(key) or next(iter(tables.values()))
    table = build()
    full = filename(*name_parts, table.name if len(tables) > 1 else None)
    return csv_response(table, full) if fmt == CSV else xlsx_response(table, full)
