"""Reading an HR staff file and planning what importing it would change.

The file is a CSV export from an HR system: UTF-8 (with or without a byte-order mark; UTF-16
with a BOM is read too), the cells separated by commas, semicolons or tabs (told apart by the
header line, or by Excel's `sep=;` first line), cells in double quotes when they hold the
separator, quotes or line breaks. The first line names the columns, in any order, in any
case, with spaces, underscores or hyphens: "Employee ID", "employee_id", "First name", ...

Columns (required unless said otherwise):

- employee_id: matches people across imports; never changes.
- first_name, last_name, email.
- role, unit: names of an existing Role and Unit (case-insensitive). Unknown names are errors;
  the import never creates roles or units.
- start_date: YYYY-MM-DD, or a day, an English month name and a year ("3 Mar 2025",
  "03-Mar-2025", "3 March 2025"). Numeric dates with slashes or dots (03/04/2025) are refused
  because hospitals read them in different orders.
- active (optional): yes/no, true/false, 1/0, Y/N, active/inactive; empty means yes.
- manager_of (optional): the units the person manages, separated by ";" or "|". When the
  column is there the file decides: the person manages exactly those units (an empty cell:
  none). Without the column nobody's managed units change.

Columns with other names are ignored and listed in the plan, so a typo shows.

`plan_import` validates every row against the database and returns an `ImportPlan` (what would
be created, updated, deactivated, left alone) with the objects to write, or raises
`StaffImportError` with every problem as "line N, column X: message". Writing the plan is
the job of `training.services.staff_import`.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import Role, StaffProfile, Unit

MAX_FILE_BYTES = 5 * 1024 * 1024

# Canonical column names (used in messages about the header) and the header spellings each
# accepts once lower-cased with runs of spaces, underscores and punctuation made one space.
COLUMNS: dict[str, set[str]] = {
    "employee_id": {
        "employee id",
        "employee",
        "employee number",
        "employee no",
        "emp id",
        "staff id",
        "staff number",
    },
    "first_name": {"first name", "firstname", "given name", "given names", "forename"},
    "last_name": {"last name", "lastname", "surname", "family name"},
    "email": {"email", "e mail", "email address", "e mail address", "work email"},
    "role": {"role", "job role"},
    "unit": {"unit", "clinical unit"},
    "start_date": {"start date", "startdate", "start", "date started"},
    "active": {"active", "is active"},
    "manager_of": {"manager of", "manager of units", "manages", "manages units", "managed units"},
}
REQUIRED = ("employee_id", "first_name", "last_name", "email", "role", "unit", "start_date")
ALIASES = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}

# Labels for the plan (what changes).
FIELD_LABELS = {
    "first_name": "first name",
    "last_name": "last name",
    "email": "email",
    "role": "role",
    "unit": "unit",
    "start_date": "start date",
    "active": "active",
    "manager_of": "manager of",
}
# The same labels for people to read (Change.label), in the interface language.
FIELD_DISPLAY = {
    "first name": gettext_lazy("first name"),
    "last name": gettext_lazy("last name"),
    "email": gettext_lazy("email"),
    "role": gettext_lazy("role"),
    "unit": gettext_lazy("unit"),
    "start date": gettext_lazy("start date"),
    "active": gettext_lazy("active"),
    "manager of": gettext_lazy("manager of"),
}
MAX_LENGTHS = {"employee_id": 50, "first_name": 150, "last_name": 150, "email": 254}

YES = {"yes", "y", "true", "t", "1", "active"}
NO = {"no", "n", "false", "f", "0", "inactive"}
MANAGER_SEPARATORS = re.compile(r"[;|]")
DELIMITERS = (",", ";", "\t")
CHANGE_REASON = "HR import"
NONE = "(none)"


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class ImportProblem:
    """One thing wrong with the file, located by line (where the row starts) and column (as
    the header names it)."""

    line: int
    position: int = 0  # column position, for sorting; 0 = the whole line
    column: str = ""
    message: str = ""

    def __str__(self) -> str:
        if self.column:
            return _("line %(line)s, column %(column)s: %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        return _("line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


class StaffImportError(ValidationError):
    """The file cannot be imported; nothing was written. `problems` lists every reason."""

    def __init__(self, problems: Iterable[ImportProblem]):
        self.problems = sorted(problems)
        super().__init__([str(p) for p in self.problems])


class StaleImportPlan(ValidationError):
    """Staff records changed between the preview and the confirmation; nothing was written.
    `plan` is what the import would do now."""

    def __init__(self, plan: ImportPlan):
        self.plan = plan
        super().__init__(
            _(
                "Staff records changed since the preview, so nothing was imported. "
                "Check the updated plan below and confirm again."
            )
        )


@dataclass(frozen=True)
class Change:
    field: str  # label, e.g. "start date"
    old: str | None  # None for a new person
    new: str

    @property
    def label(self) -> str:
        """The field's label in the interface language (`field` stays the English key)."""
        return str(FIELD_DISPLAY.get(self.field, self.field))


@dataclass(frozen=True)
class PlanEntry:
    """A person the import creates, updates or deactivates (line None: not in the file)."""

    line: int | None
    employee_id: str
    name: str
    changes: tuple[Change, ...]

    @property
    def values(self) -> dict[str, str]:
        """Field label (spaces as underscores: start_date) -> new value."""
        return {c.field.replace(" ", "_"): c.new for c in self.changes}


@dataclass
class ImportPlan:
    """What the import does (or, in a dry run, would do)."""

    creates: list[PlanEntry] = field(default_factory=list)
    updates: list[PlanEntry] = field(default_factory=list)
    deactivations: list[PlanEntry] = field(default_factory=list)
    skipped: list[PlanEntry] = field(default_factory=list)  # inactive and not in Attune
    unchanged: int = 0
    rows: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    deactivate_missing: bool = False
    committed: bool = False

    @property
    def has_changes(self) -> bool:
        return bool(self.creates or self.updates or self.deactivations)

    @property
    def fingerprint(self) -> str:
        """Identifies the changes, to check that a confirmation commits what was previewed."""
        data = [
            [
                kind,
                [
                    [e.line, e.employee_id, [list(vars(c).values()) for c in e.changes]]
                    for e in entries
                ],
            ]
            for kind, entries in (
                ("create", self.creates),
                ("update", self.updates),
                ("deactivate", self.deactivations),
            )
        ]
        return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()

    def summary(self) -> str:
        creates, updates = len(self.creates), len(self.updates)
        deactivations = len(self.deactivations)
        if self.committed:
            parts = [
                ngettext("%(count)s created", "%(count)s created", creates),
                ngettext("%(count)s updated", "%(count)s updated", updates),
                ngettext("%(count)s deactivated", "%(count)s deactivated", deactivations),
            ]
        else:
            parts = [
                ngettext("%(count)s to create", "%(count)s to create", creates),
                ngettext("%(count)s to update", "%(count)s to update", updates),
                ngettext("%(count)s to deactivate", "%(count)s to deactivate", deactivations),
            ]
        parts = [
            part % {"count": count}
            for part, count in zip(parts, (creates, updates, deactivations), strict=True)
        ]
        parts.append(
            ngettext("%(count)s unchanged", "%(count)s unchanged", self.unchanged)
            % {"count": self.unchanged}
        )
        if self.skipped:
            skipped = len(self.skipped)
            parts.append(
                ngettext(
                    "%(count)s skipped (inactive, not in Attune)",
                    "%(count)s skipped (inactive, not in Attune)",
                    skipped,
                )
                % {"count": skipped}
            )
        return ", ".join(parts)


@dataclass
class ImportWork:
    """The objects a plan writes (validated with full_clean, not yet saved)."""

    new_users: list[User] = field(default_factory=list)
    new_profiles: list[StaffProfile] = field(default_factory=list)
    changed_users: list[User] = field(default_factory=list)
    user_fields: set[str] = field(default_factory=set)
    changed_profiles: list[StaffProfile] = field(default_factory=list)
    profile_fields: set[str] = field(default_factory=set)
    # unit -> (users to add as managers, users to remove)
    managers: dict[Unit, tuple[list[User], list[User]]] = field(default_factory=dict)


# --- reading the file ---------------------------------------------------------------------------


@dataclass
class SourceRow:
    line: int
    cells: dict[str, str]  # column name -> stripped text ("" when the row is short)


@dataclass
class SourceFile:
    columns: dict[str, tuple[int, str]]  # column name -> (position, header text as written)
    rows: list[SourceRow]
    ignored_columns: list[str]

    def label(self, name: str) -> str:
        return self.columns[name][1] if name in self.columns else name

    def position(self, name: str) -> int:
        return self.columns[name][0] if name in self.columns else 0


def _clean(text) -> str:
    text = "" if text is None else str(text)
    return unicodedata.normalize("NFC", text.replace("\ufeff", "")).strip()


def _header_key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", _clean(text).casefold()).strip()


def decode(data: bytes) -> str:
    """The file's text; raises StaffImportError for workbooks and text that is not UTF-8."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise StaffImportError(
            [
                ImportProblem(
                    1,
                    message=_(
                        "this is an Excel workbook, not a CSV file. In Excel choose "
                        'File › Save As › "CSV UTF-8 (Comma delimited)" and import that file.'
                    ),
                )
            ]
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise StaffImportError(
            [
                ImportProblem(
                    line,
                    message=_(
                        "the file is not UTF-8 text. Save it from the spreadsheet as "
                        '"CSV UTF-8" and import it again.'
                    ),
                )
            ]
        ) from None


def _records(text: str):
    """(line where the record starts, cells) for each CSV record, the header first."""
    text = text.lstrip("\ufeff")
    first_line, _newline, rest = text.partition("\n")
    offset = 0
    sep = re.fullmatch(r'"?sep=(.)"?\r?', first_line.strip(" "))
    if sep:  # Excel's hint line: sep=;
        delimiter = sep[1]
        text = rest
        offset = 1
    else:
        delimiter = _detect_delimiter(text)
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True, strict=True
    )
    last = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "end of data" in str(exc) or "EOF" in str(exc):
                message = _('a quoted cell starting on this line is never closed (a " is missing).')
            elif "expected after" in str(exc):
                message = _(
                    'a quoted cell has text after its closing quote; inside quotes, write a " '
                    'as "".'
                )
            else:
                message = _("this line cannot be read as CSV (%(error)s).") % {"error": exc}
            raise StaffImportError([ImportProblem(last + 1 + offset, message=message)]) from None
        start = last + 1
        last = reader.line_num
        yield start + offset, cells, delimiter


def _detect_delimiter(text: str) -> str:
    """The separator that splits the header into the most known column names."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    best, best_known = ",", -1
    for delimiter in DELIMITERS:
        try:
            cells = next(csv.reader([header], delimiter=delimiter, skipinitialspace=True))
        except (csv.Error, StopIteration):
            continue
        known = sum(_header_key(c) in ALIASES or _header_key(c) in COLUMNS for c in cells)
        if known > best_known:
            best, best_known = delimiter, known
    return best


def _column_name(header_text: str) -> str | None:
    key = _header_key(header_text)
    if key.replace(" ", "_") in COLUMNS:
        return key.replace(" ", "_")
    return ALIASES.get(key)


def _read_header(line: int, cells: list[str]) -> SourceFile:
    problems = []
    columns: dict[str, tuple[int, str]] = {}
    ignored = []
    for position, text in enumerate(cells, start=1):
        label = _clean(text)
        name = _column_name(label)
        if name is None:
            if label:
                ignored.append(label)
        elif name in columns:
            problems.append(
                ImportProblem(
                    line,
                    position,
                    label,
                    _('this is the same column as "%(column)s"; keep one of them.')
                    % {"column": columns[name][1]},
                )
            )
        else:
            columns[name] = (position, label)
    if not columns:
        problems.append(
            ImportProblem(
                line,
                message=_(
                    "the first line must name the columns (employee_id, first_name, last_name, "
                    "email, role, unit, start_date, active, manager_of), separated by commas, "
                    "semicolons or tabs; none of them is there."
                ),
            )
        )
    else:
        found = ", ".join(label for label in (_clean(c) for c in cells) if label)
        for order, name in enumerate(REQUIRED):
            if name not in columns:
                problems.append(
                    ImportProblem(
                        line,
                        1000 + order,  # after the columns that are there, in this order
                        name,
                        _("this column is missing from the header (found: %(found)s).")
                        % {"found": found},
                    )
                )
    if problems:
        raise StaffImportError(problems)
    return SourceFile(columns=columns, rows=[], ignored_columns=ignored)


def read_staff_file(rows_or_file) -> SourceFile:
    """Read bytes, text, a file object or an iterable of mappings (header -> cell)."""
    if hasattr(rows_or_file, "read"):
        rows_or_file = rows_or_file.read()
    if isinstance(rows_or_file, bytes | bytearray):
        if len(rows_or_file) > MAX_FILE_BYTES:
            raise StaffImportError(
                [ImportProblem(1, message=_("the file is larger than 5 MB; split it in two."))]
            )
        rows_or_file = decode(bytes(rows_or_file))
    if isinstance(rows_or_file, str):
        return _read_text(rows_or_file)
    return _read_mappings(rows_or_file)


def _read_text(text: str) -> SourceFile:
    records = _records(text)
    header = next(((ln, c, d) for ln, c, d in records if any(_clean(x) for x in c)), None)
    if header is None:
        raise StaffImportError([ImportProblem(1, message=_("the file is empty."))])
    header_line, cells, delimiter = header
    source = _read_header(header_line, cells)
    width = len(cells)
    problems = []
    for line, cells, _delimiter in records:
        if not any(_clean(c) for c in cells):
            continue  # blank lines, and spreadsheets' rows of empty cells
        extra = [i for i, c in enumerate(cells[width:], start=width + 1) if _clean(c)]
        if extra:
            problems.append(
                ImportProblem(
                    line,
                    extra[0],
                    str(extra[0]),
                    _(
                        "this row has %(cells)s cells but the header has %(columns)s columns; "
                        "put cells that contain %(separator)s in double quotes."
                    )
                    % {
                        "cells": len(cells),
                        "columns": width,
                        "separator": _show_delimiter(delimiter),
                    },
                )
            )
            continue
        cells = [_clean(c) for c in cells] + [""] * (width - len(cells))
        source.rows.append(
            SourceRow(
                line, {name: cells[pos - 1] for name, (pos, _label) in source.columns.items()}
            )
        )
    if problems:
        raise StaffImportError(problems)
    if not source.rows:
        raise StaffImportError(
            [ImportProblem(header_line + 1, message=_("the file has a header but no staff rows."))]
        )
    return source


def _show_delimiter(delimiter: str) -> str:
    return _("a tab") if delimiter == "\t" else f'"{delimiter}"'


def _read_mappings(rows: Iterable[Mapping[str, object]]) -> SourceFile:
    rows = list(rows)
    headers: list[str] = []
    for row in rows:
        headers.extend(str(k) for k in row if str(k) not in headers)
    source = _read_header(1, headers)
    for index, row in enumerate(rows, start=2):
        by_header = {_clean(k): _clean(v) for k, v in row.items()}
        cells = {
            name: by_header.get(label, "") for name, (_position, label) in source.columns.items()
        }
        if any(cells.values()):
            source.rows.append(SourceRow(index, cells))
    if not source.rows:
        raise StaffImportError(
            [ImportProblem(2, message=_("the file has a header but no staff rows."))]
        )
    return source


# --- checking cells ------------------------------------------------------------------------------

MONTH_NAMES = (
    "january february march april may june july august september october november december"
)
MONTHS = {name: i for i, name in enumerate(MONTH_NAMES.split(), start=1)}
DATE_WITH_MONTH_NAME = re.compile(r"(\d{1,2})[ \-.]+([^\W\d_]+)\.?[ \-.,]+(\d{4})")


def parse_date(text: str, *, today: datetime.date) -> datetime.date:
    """YYYY-MM-DD, or day, English month name (or its first three letters or more), year."""
    value = None
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
        year, month, day = (int(p) for p in text.split("-"))
        try:
            value = datetime.date(year, month, day)
        except ValueError:
            raise ValueError(_('"%(text)s" is not a real date.') % {"text": text}) from None
    elif m := DATE_WITH_MONTH_NAME.fullmatch(text):
        word = m[2].casefold()
        months = [i for name, i in MONTHS.items() if len(word) >= 3 and name.startswith(word)]
        if len(months) == 1:
            try:
                value = datetime.date(int(m[3]), months[0], int(m[1]))
            except ValueError:
                raise ValueError(_('"%(text)s" is not a real date.') % {"text": text}) from None
    if value is None:
        message = _(
            '"%(text)s" is not a date this import reads: use YYYY-MM-DD (such as 2025-03-31) or '
            "a day, month name and year (such as 31 Mar 2025)."
        ) % {"text": text}
        if re.fullmatch(r"\d{1,4}[/.]\d{1,2}[/.]\d{1,4}", text):
            message += " " + _(
                "Dates such as 03/04/2025 are read as 3 April in some places and March 4 in "
                "others, so they are not accepted."
            )
        raise ValueError(message)
    if value.year < 1900:
        raise ValueError(_('"%(text)s" is before 1900; check the year.') % {"text": text})
    if value > today + datetime.timedelta(days=366):
        raise ValueError(
            _('"%(text)s" is more than a year from now; check the year.') % {"text": text}
        )
    return value


def parse_active(text: str) -> bool:
    key = text.casefold()
    if key == "" or key in YES:
        return True
    if key in NO:
        return False
    raise ValueError(
        _('"%(text)s" is not yes or no (use yes/no, true/false, 1/0 or Y/N; empty means yes).')
        % {"text": text}
    )


class _Names:
    """Existing roles or units by name: exact first, then ignoring case."""

    def __init__(self, objects, kind: str):
        self.objects = list(objects)
        self.exact = {o.name: o for o in self.objects}
        folded = defaultdict(list)
        for o in self.objects:
            folded[o.name.casefold()].append(o)
        self.folded = {k: v[0] for k, v in folded.items() if len(v) == 1}
        self.kind = kind  # "role" or "unit"

    def get(self, name: str):
        return self.exact.get(name) or self.folded.get(name.casefold())

    def unknown(self, names: list[str]) -> str:
        """Why the names are refused: one sentence each (what, what exists, what to do)."""
        count = len(names)
        quoted = ", ".join(f'"{n}"' for n in names)
        known = sorted(o.name for o in self.objects)
        listed = ", ".join(known[:15])
        if len(known) > 15:
            listed = _("%(names)s and %(count)s more") % {
                "names": listed,
                "count": len(known) - 15,
            }
        if self.kind == "role":
            sentences = [
                ngettext("unknown role %(names)s.", "unknown roles %(names)s.", count),
                _("Roles in Attune: %(known)s.") if known else "",
                ngettext(
                    "Add it under Training › Roles first, or correct the name.",
                    "Add them under Training › Roles first, or correct the names.",
                    count,
                ),
            ]
        else:
            sentences = [
                ngettext("unknown unit %(names)s.", "unknown units %(names)s.", count),
                _("Units in Attune: %(known)s.") if known else "",
                ngettext(
                    "Add it under Training › Units first, or correct the name.",
                    "Add them under Training › Units first, or correct the names.",
                    count,
                ),
            ]
        values = {"names": quoted, "known": listed}
        return " ".join(s % values for s in sentences if s)


@dataclass
class _Row:
    line: int
    employee_id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    role: Role | None = None
    unit: Unit | None = None
    start_date: datetime.date | None = None
    active: bool = True
    manager_of: frozenset[Unit] | None = None  # None: not in the file, or invalid
    valid: bool = True
    duplicate: bool = False  # its employee ID is on an earlier line: who it is is unclear


def _person(user: User, profile: StaffProfile | None = None) -> str:
    username = user.get_username()
    name = user.get_full_name() or _('user "%(username)s"') % {"username": username}
    if profile is not None:
        return _("%(name)s (employee %(employee_id)s)") % {
            "name": name,
            "employee_id": profile.employee_id,
        }
    return _('%(name)s (user "%(username)s", not on the staff list)') % {
        "name": name,
        "username": username,
    }


def _units_text(units) -> str:
    return ", ".join(sorted(u.name for u in units)) or NONE


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


# --- planning ------------------------------------------------------------------------------------


def plan_import(
    source: SourceFile, *, deactivate_missing: bool, for_update: bool = False
) -> tuple[ImportPlan, ImportWork]:
    """Check every row against the database and work out the changes. Raises
    StaffImportError listing every problem; reads a fixed number of queries."""
    today = timezone.localdate()
    problems: list[ImportProblem] = []

    def problem(row_line: int, name: str, message: str):
        problems.append(ImportProblem(row_line, source.position(name), source.label(name), message))

    roles = _Names(Role.objects.all(), "role")
    units = _Names(Unit.objects.all(), "unit")
    profiles_qs = StaffProfile.objects.select_related("user", "role", "unit")
    if for_update:
        profiles_qs = profiles_qs.select_for_update(of=("self",))
    profiles = {p.employee_id: p for p in profiles_qs}
    units_by_pk = {u.pk: u for u in units.objects}
    managed: dict[int, set[Unit]] = defaultdict(set)
    for user_id, unit_id in Unit.managers.through.objects.values_list("user_id", "unit_id"):
        managed[user_id].add(units_by_pk[unit_id])

    # 1. Each row on its own.
    rows: list[_Row] = []
    first_line_of: dict[str, int] = {}
    has_manager_of = "manager_of" in source.columns
    for src in source.rows:
        cells = src.cells
        row = _Row(src.line, cells["employee_id"])
        rows.append(row)

        def bad(name: str, message: str, *, _row=row):
            _row.valid = False
            problem(_row.line, name, message)

        for name in REQUIRED:
            if not cells[name]:
                bad(name, _("empty, but every row needs one."))
        for name, limit in MAX_LENGTHS.items():
            if len(cells[name]) > limit:
                bad(name, _("longer than %(limit)s characters.") % {"limit": limit})
        if row.employee_id:
            if row.employee_id in first_line_of:
                row.duplicate = True
                bad(
                    "employee_id",
                    _("%(employee_id)s is also on line %(line)s.")
                    % {"employee_id": row.employee_id, "line": first_line_of[row.employee_id]},
                )
            else:
                first_line_of[row.employee_id] = row.line
        row.first_name, row.last_name = cells["first_name"], cells["last_name"]
        if cells["email"]:
            try:
                validate_email(cells["email"])
            except ValidationError:
                bad(
                    "email",
                    _('"%(email)s" is not a valid email address.') % {"email": cells["email"]},
                )
            else:
                local, _at, domain = cells["email"].rpartition("@")
                row.email = f"{local}@{domain.lower()}"
        for name, names in (("role", roles), ("unit", units)):
            if cells[name]:
                found = names.get(cells[name])
                if found is None:
                    bad(name, names.unknown([cells[name]]))
                setattr(row, name, found)
        if cells["start_date"]:
            try:
                row.start_date = parse_date(cells["start_date"], today=today)
            except ValueError as exc:
                bad("start_date", str(exc))
        active_ok = True
        if "active" in source.columns:
            try:
                row.active = parse_active(cells["active"])
            except ValueError as exc:
                active_ok = False
                bad("active", str(exc))
        if has_manager_of:
            listed = [_clean(n) for n in MANAGER_SEPARATORS.split(cells["manager_of"])]
            listed = list(dict.fromkeys(n for n in listed if n))
            unknown = [n for n in listed if units.get(n) is None]
            if unknown:
                bad("manager_of", units.unknown(unknown))
            elif listed and active_ok and not row.active:
                bad(
                    "manager_of",
                    _(
                        "an inactive person (active: no) cannot manage units; "
                        "leave this cell empty."
                    ),
                )
            else:
                row.manager_of = frozenset(units.get(n) for n in listed)

    # 2. Who each row is, and what changes.
    plan = ImportPlan(
        rows=len(rows),
        ignored_columns=source.ignored_columns,
        deactivate_missing=deactivate_missing,
    )
    work = ImportWork()
    written: list[tuple[_Row, StaffProfile | None]] = []
    for row in rows:
        profile = profiles.get(row.employee_id)
        if profile is None and not row.active:
            if row.valid:
                plan.skipped.append(
                    PlanEntry(row.line, row.employee_id, f"{row.first_name} {row.last_name}", ())
                )
            continue
        written.append((row, profile))

    # Emails: unique in the file, and not another person's (unless the file moves it away).
    users_by_email: dict[str, list[User]] = defaultdict(list)
    for user in User.objects.exclude(email="").only(
        "pk", "username", "email", "first_name", "last_name"
    ):
        users_by_email[user.email.casefold()].append(user)
    profile_of_user = {p.user_id: p for p in profiles.values()}
    new_email_of_user: dict[int, str] = {}
    for row, profile in written:
        if profile is not None and row.email:
            new_email_of_user[profile.user_id] = row.email.casefold()
    email_line: dict[str, int] = {}
    for row, profile in written:
        if not row.email or row.duplicate:
            continue
        key = row.email.casefold()
        if key in email_line:
            row.valid = False
            problem(
                row.line,
                "email",
                _("%(email)s is also on line %(line)s.")
                % {"email": row.email, "line": email_line[key]},
            )
            continue
        email_line[key] = row.line
        if profile is not None and profile.user.email.casefold() == key:
            continue  # keeps their own email
        for owner in users_by_email.get(key, []):
            if profile is not None and owner.pk == profile.user_id:
                continue
            if new_email_of_user.get(owner.pk, key) != key:
                continue  # the file gives the owner another email
            row.valid = False
            problem(
                row.line,
                "email",
                _("%(email)s is already the email of %(person)s.")
                % {"email": row.email, "person": _person(owner, profile_of_user.get(owner.pk))},
            )
            break

    if problems:
        raise StaffImportError(problems)

    # 3. The changes (every row is valid from here on).
    usernames = _free_usernames([row.employee_id for row, p in written if p is None])
    managers_add: dict[Unit, list[User]] = defaultdict(list)
    managers_remove: dict[Unit, list[User]] = defaultdict(list)

    def set_managed(user: User, current: set[Unit], target: set[Unit]):
        for unit in target - current:
            managers_add[unit].append(user)
        for unit in current - target:
            managers_remove[unit].append(user)

    for row, profile in written:
        name = f"{row.first_name} {row.last_name}"
        if profile is None:
            user = User(
                username=usernames[row.employee_id],
                first_name=row.first_name,
                last_name=row.last_name,
                email=row.email,
            )
            user.set_unusable_password()
            new = StaffProfile(
                user=user,
                employee_id=row.employee_id,
                role=row.role,
                unit=row.unit,
                start_date=row.start_date,
                active=True,
            )
            _full_clean(user, source, row.line, problems, fields=None)
            _full_clean(new, source, row.line, problems, fields=None)
            work.new_users.append(user)
            work.new_profiles.append(new)
            changes = [
                Change("email", None, row.email),
                Change("role", None, row.role.name),
                Change("unit", None, row.unit.name),
                Change("start date", None, row.start_date.isoformat()),
            ]
            if row.manager_of:
                changes.append(Change("manager of", None, _units_text(row.manager_of)))
                set_managed(user, set(), set(row.manager_of))
            plan.creates.append(PlanEntry(row.line, row.employee_id, name, tuple(changes)))
            continue

        user = profile.user
        changes: list[Change] = []
        user_fields, profile_fields = [], []
        for attr in ("first_name", "last_name", "email"):
            old, new_value = getattr(user, attr), getattr(row, attr)
            same = old.casefold() == new_value.casefold() if attr == "email" else old == new_value
            if not same:
                changes.append(Change(FIELD_LABELS[attr], old, new_value))
                setattr(user, attr, new_value)
                user_fields.append(attr)
        for attr, show in (
            ("role", lambda r: r.name),
            ("unit", lambda u: u.name),
            ("start_date", datetime.date.isoformat),
            ("active", _yes_no),
        ):
            old, new_value = getattr(profile, attr), getattr(row, attr)
            if old != new_value:
                changes.append(Change(FIELD_LABELS[attr], show(old), show(new_value)))
                setattr(profile, attr, new_value)
                profile_fields.append(attr)
        deactivating = "active" in profile_fields and not row.active
        current = managed.get(user.pk, set())
        target = set() if deactivating else row.manager_of
        if target is not None and set(target) != current:
            changes.append(Change("manager of", _units_text(current), _units_text(target)))
            set_managed(user, current, set(target))
        if not changes:
            plan.unchanged += 1
            continue
        if user_fields:
            _full_clean(user, source, row.line, problems, fields=user_fields)
            work.changed_users.append(user)
            work.user_fields.update(user_fields)
        _full_clean(profile, source, row.line, problems, fields=profile_fields)
        profile._change_reason = _change_reason(changes)
        work.changed_profiles.append(profile)
        work.profile_fields.update(profile_fields)
        entry = PlanEntry(row.line, row.employee_id, name, tuple(changes))
        (plan.deactivations if deactivating else plan.updates).append(entry)

    if deactivate_missing:
        in_file = {row.employee_id for row in rows}
        missing = [p for eid, p in profiles.items() if p.active and eid not in in_file]
        for profile in sorted(missing, key=lambda p: (p.user.last_name, p.user.first_name)):
            profile.active = False
            changes = [Change("active", "yes", "no")]
            current = managed.get(profile.user_id, set())
            if current:
                changes.append(Change("manager of", _units_text(current), NONE))
                set_managed(profile.user, current, set())
            profile._change_reason = _change_reason(changes) + " (not in the file)"
            work.changed_profiles.append(profile)
            work.profile_fields.add("active")
            plan.deactivations.append(
                PlanEntry(None, profile.employee_id, profile.full_name, tuple(changes))
            )

    if problems:  # full_clean found something the checks above did not
        raise StaffImportError(problems)
    work.managers = {
        unit: (managers_add.get(unit, []), managers_remove.get(unit, []))
        for unit in sorted(set(managers_add) | set(managers_remove), key=lambda u: u.name)
    }
    return plan, work


def _change_reason(changes: list[Change]) -> str:
    return f"{CHANGE_REASON}: " + ", ".join(dict.fromkeys(c.field for c in changes))


FIELD_COLUMNS = {
    "username": "employee_id",
    "employee_id": "employee_id",
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "role": "role",
    "unit": "unit",
    "start_date": "start_date",
    "active": "active",
}


def _full_clean(obj, source: SourceFile, line: int, problems: list, *, fields: list[str] | None):
    """full_clean before saving, without a query per row: foreign keys were looked up from
    the database already and uniqueness was checked across the whole file above."""
    names = [f.name for f in obj._meta.fields]
    exclude = [n for n in names if fields is not None and n not in fields]
    exclude += [f.name for f in obj._meta.fields if f.is_relation]
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            column = FIELD_COLUMNS.get(name, "employee_id")
            for message in messages:
                problems.append(
                    ImportProblem(line, source.position(column), source.label(column), message)
                )


def _free_usernames(employee_ids: list[str]) -> dict[str, str]:
    """New accounts are named after the employee ID (made a valid username), with -2, -3 ...
    when an account of that name exists already."""
    wanted = {
        eid: (re.sub(r"[^\w.@+-]+", "-", eid).strip("-") or "staff")[:140] for eid in employee_ids
    }
    if not wanted:
        return {}
    taken = set(
        User.objects.annotate(lower=Lower("username"))
        .filter(lower__in=[w.lower() for w in wanted.values()])
        .values_list("lower", flat=True)
    )
    result = {}
    for eid, base in wanted.items():
        candidate, n = base, 1
        while candidate.lower() in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate.lower())
        result[eid] = candidate
    return result


# --- showing a plan ------------------------------------------------------------------------------


def plan_lines(plan: ImportPlan) -> list[str]:
    """The plan as text, one change per line (for the command)."""
    lines = []

    def where(entry: PlanEntry) -> str:
        return f"line {entry.line}" if entry.line is not None else "not in file"

    def changes(entry: PlanEntry) -> str:
        return "; ".join(f"{c.field} {c.old} → {c.new}" for c in entry.changes)

    if plan.creates:
        lines.append("Create:")
        for e in plan.creates:
            v = e.values
            text = f"{v['email']}, {v['role']}, {v['unit']}, starts {v['start_date']}"
            if "manager_of" in v:
                text += f", manager of {v['manager_of']}"
            lines.append(f"  {where(e)}: {e.employee_id} {e.name} – {text}")
    for title, entries in (("Update:", plan.updates), ("Deactivate:", plan.deactivations)):
        if entries:
            lines.append(title)
            lines.extend(f"  {where(e)}: {e.employee_id} {e.name} – {changes(e)}" for e in entries)
    if plan.skipped:
        lines.append("Skipped (inactive in the file and not in Attune):")
        lines.extend(f"  {where(e)}: {e.employee_id} {e.name}" for e in plan.skipped)
    if plan.ignored_columns:
        lines.append("Ignored columns: " + ", ".join(plan.ignored_columns))
    return lines
