"""HR import of staff: reading spreadsheet exports, the dry run against the commit, idempotent
re-imports, every kind of bad row (named by line and column, nothing written), deactivation,
managed units, history with the acting user, the command, and the admin upload page."""

from __future__ import annotations

import datetime
import re
import unicodedata

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from training.models import StaffProfile, Unit
from training.services import staff_import
from training.staff_import import StaffImportError, StaleImportPlan

from ..factories import RoleFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "employee_id,first_name,last_name,email,role,unit,start_date,active,manager_of"
AMARA = "E1001,Amara,Okafor,nurse@hospital.test,Registered nurse,NICU,2024-01-15,yes,"
OLGA = "E1002,Olga,Petrova,picunurse@hospital.test,Registered nurse,PICU,2024-02-01,yes,"
DAN = "E1003,Dan,Reyes,physician@hospital.test,Physician,NICU,2023-09-01,yes,"
ROSTER = [AMARA, OLGA, DAN]
NEW = "E2001,Thị Ánh,Nguyễn,anh.nguyen@hospital.test,Registered nurse,NICU,2025-03-03,yes,"


@pytest.fixture
def roster(people):
    """The three staff of `people` with known employee IDs and start dates; the file ROSTER
    matches them exactly."""
    for user, eid, start in (
        (people.staff, "E1001", datetime.date(2024, 1, 15)),
        (people.other_staff, "E1002", datetime.date(2024, 2, 1)),
        (people.physician, "E1003", datetime.date(2023, 9, 1)),
    ):
        profile = user.staff_profile
        profile.employee_id, profile.start_date = eid, start
        profile.save()
    return people


def csv_file(*rows, header=HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def run(data, *, commit=False, deactivate_missing=False, actor=None, **kwargs):
    return staff_import(
        rows_or_file=data,
        commit=commit,
        deactivate_missing=deactivate_missing,
        actor=actor,
        **kwargs,
    )


def snapshot():
    """Everything an import could write."""
    return {
        "users": list(User.objects.order_by("pk").values()),
        "profiles": list(StaffProfile.objects.order_by("pk").values()),
        "profile_history": StaffProfile.history.count(),
        "managers": sorted(Unit.managers.through.objects.values_list("unit_id", "user_id")),
        "unit_history": Unit.history.count(),
    }


def errors_of(data, **kwargs) -> list[str]:
    before = snapshot()
    with pytest.raises(StaffImportError) as caught:
        run(data, commit=True, **kwargs)
    assert snapshot() == before, "a bad file must not change anything"
    return caught.value.messages


def profile(eid) -> StaffProfile:
    return StaffProfile.objects.select_related("user", "role", "unit").get(employee_id=eid)


def managed(user) -> set[str]:
    return set(Unit.objects.filter(managers=user).values_list("name", flat=True))


# --- dry run and commit --------------------------------------------------------------------------

CHANGES = csv_file(
    AMARA.replace(",NICU,", ",PICU,").replace("nurse@", "amara.okafor@"),
    OLGA,
    DAN.replace(",yes,", ",no,"),
    NEW,
)


def test_dry_run_lists_creates_updates_and_deactivations_and_writes_nothing(roster):
    before = snapshot()
    plan = run(CHANGES, actor=roster.admin)
    assert snapshot() == before
    assert not plan.committed
    assert [(e.line, e.employee_id, e.name) for e in plan.creates] == [
        (5, "E2001", "Thị Ánh Nguyễn")
    ]
    assert plan.creates[0].values == {
        "email": "anh.nguyen@hospital.test",
        "role": "Registered nurse",
        "unit": "NICU",
        "start_date": "2025-03-03",
    }
    [update] = plan.updates
    assert (update.line, update.employee_id, update.name) == (2, "E1001", "Amara Okafor")
    assert [(c.field, c.old, c.new) for c in update.changes] == [
        ("email", "nurse@hospital.test", "amara.okafor@hospital.test"),
        ("unit", "NICU", "PICU"),
    ]
    [deactivation] = plan.deactivations
    assert (deactivation.line, deactivation.employee_id) == (4, "E1003")
    assert [(c.field, c.old, c.new) for c in deactivation.changes] == [("active", "yes", "no")]
    assert plan.unchanged == 1
    assert plan.summary() == "1 to create, 1 to update, 1 to deactivate, 1 unchanged"


def test_commit_applies_the_plan(roster):
    plan = run(CHANGES, commit=True, actor=roster.admin)
    assert plan.committed
    assert plan.summary() == "1 created, 1 updated, 1 deactivated, 1 unchanged"

    new = profile("E2001")
    assert (new.user.first_name, new.user.last_name) == ("Thị Ánh", "Nguyễn")
    assert new.user.email == "anh.nguyen@hospital.test"
    assert new.user.username == "E2001"
    assert not new.user.has_usable_password()
    assert (new.role.name, new.unit.name, new.start_date, new.active) == (
        "Registered nurse",
        "NICU",
        datetime.date(2025, 3, 3),
        True,
    )
    amara = profile("E1001")
    assert (amara.unit.name, amara.user.email) == ("PICU", "amara.okafor@hospital.test")
    assert profile("E1003").active is False
    assert profile("E1002").active is True


def test_reimporting_the_same_file_plans_and_writes_nothing(roster):
    run(CHANGES, commit=True, actor=roster.admin)
    before = snapshot()
    again = run(CHANGES, actor=roster.admin)
    assert (again.creates, again.updates, again.deactivations) == ([], [], [])
    assert again.unchanged == 4  # Dan's row says inactive, and he is
    assert not again.has_changes
    committed = run(CHANGES, commit=True, actor=roster.admin)
    assert committed.summary() == "0 created, 0 updated, 0 deactivated, 4 unchanged"
    assert snapshot() == before  # not even a history record


def test_the_roster_as_it_is_changes_nothing(roster):
    plan = run(csv_file(*ROSTER))
    assert not plan.has_changes and plan.unchanged == 3


# --- reading spreadsheet exports -----------------------------------------------------------------


def test_excel_export_with_bom_semicolons_quotes_and_line_breaks(roster):
    nfd = unicodedata.normalize("NFD", "Nguyễn")  # as macOS exports it
    rows = [
        "Employee ID;First name;Last name;E-mail;Role;Unit;Start date;Active;Manager of;Notes",
        f'E2001;"Thị Ánh";"{nfd}";anh.nguyen@hospital.test;Registered nurse;NICU;'
        '2025-03-03;Yes;"NICU;PICU";"Night shifts;\r\nmentor: Olga"',
        'E2002;José;Núñez;jose.nunez@hospital.test;"Physician";picu;3 Mar 2025;Y;;',
        'E2003;"Zoë";"O’Brien-Łukasik";zoe.obrien@hospital.test;Registered nurse;PICU;'
        '"14-Feb-2025";TRUE;;"said ""hello"""',
    ]
    data = "\ufeff" + "\r\n".join(rows) + "\r\n"
    plan = run(data.encode("utf-8"), commit=True, actor=roster.admin)
    assert [e.name for e in plan.creates] == [
        "Thị Ánh Nguyễn",
        "José Núñez",
        "Zoë O’Brien-Łukasik",
    ]
    assert [e.line for e in plan.creates] == [2, 4, 5]  # the quoted line break spans 2 lines
    assert plan.ignored_columns == ["Notes"]
    anh = profile("E2001")
    assert anh.user.last_name == "Nguyễn"
    assert unicodedata.is_normalized("NFC", anh.user.last_name)
    assert managed(anh.user) == {"NICU", "PICU"}
    jose = profile("E2002")
    assert (jose.role.name, jose.unit.name, jose.start_date) == (
        "Physician",
        "PICU",
        datetime.date(2025, 3, 3),
    )
    zoe = profile("E2003")
    assert (zoe.user.first_name, zoe.user.last_name) == ("Zoë", "O’Brien-Łukasik")
    assert zoe.start_date == datetime.date(2025, 2, 14)
    # The same people, exported as NFC with commas this time: nothing to do.
    again = csv_file(
        NEW.replace(",yes,", ",yes,NICU|PICU"),
        "E2002,José,Núñez,jose.nunez@hospital.test,Physician,PICU,2025-03-03,,",
        "E2003,Zoë,O’Brien-Łukasik,zoe.obrien@hospital.test,Registered nurse,PICU,2025-02-14,1,",
    )
    assert run(again).unchanged == 3


def test_excel_sep_line_utf16_and_tabs(roster):
    text = "sep=\t\n" + "\n".join(line.replace(",", "\t") for line in [HEADER, *ROSTER, NEW])
    plan = run(text.encode("utf-16"))
    assert [e.employee_id for e in plan.creates] == ["E2001"]
    assert plan.creates[0].line == 6  # the sep= line counts
    assert plan.unchanged == 3


def test_header_names_in_any_case_and_order_and_optional_columns(roster):
    data = csv_file(
        "Okafor,Amara,NICU,registered NURSE,E1001,15 January 2024,NURSE@hospital.test",
        header="Last Name,FIRST_NAME,unit,role,Employee_ID,start-date,email",
    )
    plan = run(data)
    assert plan.unchanged == 1 and not plan.has_changes


def test_rows_can_be_given_as_mappings(roster):
    rows = [dict(zip(HEADER.split(","), NEW.split(","), strict=True))]
    plan = run(rows)
    assert [(e.line, e.employee_id) for e in plan.creates] == [(2, "E2001")]


# --- every kind of bad row -----------------------------------------------------------------------


def test_missing_columns_in_the_header_are_listed_in_order(roster):
    data = csv_file("E1001,Okafor", header="Employee ID,Last name")
    assert [m.split(":")[0] for m in errors_of(data)] == [
        "line 1, column first_name",
        "line 1, column email",
        "line 1, column role",
        "line 1, column unit",
        "line 1, column start_date",
    ]


def test_a_missing_column_in_the_header(roster):
    header = "employee_id,first_name,last_name,role,unit,start_date"
    assert errors_of(
        csv_file("E1001,Amara,Okafor,Registered nurse,NICU,2024-01-15", header=header)
    ) == [
        "line 1, column email: this column is missing from the header "
        "(found: employee_id, first_name, last_name, role, unit, start_date)."
    ]


def test_a_header_that_names_no_known_column(roster):
    assert errors_of(csv_file(AMARA, header="a,b,c,d,e,f,g,h,i")) == [
        "line 1: the first line must name the columns (employee_id, first_name, last_name, "
        "email, role, unit, start_date, active, manager_of), separated by commas, semicolons "
        "or tabs; none of them is there."
    ]


def test_the_same_column_twice(roster):
    header = HEADER + ",Surname"
    assert errors_of(csv_file(AMARA + ",Okafor", header=header)) == [
        'line 1, column Surname: this is the same column as "last_name"; keep one of them.'
    ]


BAD_ROWS = [
    (
        "unknown role",
        NEW.replace("Registered nurse", "Nurse practitioner"),
        'line 5, column role: unknown role "Nurse practitioner". Roles in Attune: Physician, '
        "Registered nurse. Add it under Training › Roles first, or correct the name.",
    ),
    (
        "unknown unit",
        NEW.replace(",NICU,", ",Cardiology,"),
        'line 5, column unit: unknown unit "Cardiology". Units in Attune: NICU, PICU. '
        "Add it under Training › Units first, or correct the name.",
    ),
    (
        "ambiguous date",
        NEW.replace("2025-03-03", "03/04/2025"),
        'line 5, column start_date: "03/04/2025" is not a date this import reads: use '
        "YYYY-MM-DD (such as 2025-03-31) or a day, month name and year (such as 31 Mar 2025). "
        "Dates such as 03/04/2025 are read as 3 April in some places and March 4 in others, "
        "so they are not accepted.",
    ),
    (
        "impossible date",
        NEW.replace("2025-03-03", "2025-02-29"),
        'line 5, column start_date: "2025-02-29" is not a real date.',
    ),
    (
        "not a date",
        NEW.replace("2025-03-03", "next Monday"),
        'line 5, column start_date: "next Monday" is not a date this import reads: use '
        "YYYY-MM-DD (such as 2025-03-31) or a day, month name and year (such as 31 Mar 2025).",
    ),
    (
        "date far ahead",
        NEW.replace("2025-03-03", "2205-03-03"),
        'line 5, column start_date: "2205-03-03" is more than a year from now; check the year.',
    ),
    (
        "bad active",
        NEW.replace(",yes,", ",maybe,"),
        'line 5, column active: "maybe" is not yes or no (use yes/no, true/false, 1/0 or Y/N; '
        "empty means yes).",
    ),
    (
        "bad email",
        NEW.replace("anh.nguyen@hospital.test", "anh.nguyen@"),
        'line 5, column email: "anh.nguyen@" is not a valid email address.',
    ),
    (
        "duplicate employee id",
        NEW.replace("E2001", "E1002"),
        "line 5, column employee_id: E1002 is also on line 3.",
    ),
    (
        "duplicate email",
        NEW.replace("anh.nguyen@", "PICUnurse@"),
        "line 5, column email: PICUnurse@hospital.test is also on line 3.",
    ),
    (
        "empty required field",
        NEW.replace(",Nguyễn,", ",,"),
        "line 5, column last_name: empty, but every row needs one.",
    ),
    (
        "unknown manager-of unit",
        NEW.replace(",yes,", ",yes,NICU | Cardiology|Oncology"),
        'line 5, column manager_of: unknown units "Cardiology", "Oncology". Units in Attune: '
        "NICU, PICU. Add them under Training › Units first, or correct the names.",
    ),
    (
        "inactive manager",
        NEW.replace(",yes,", ",no,NICU"),
        "line 5, column manager_of: an inactive person (active: no) cannot manage units; "
        "leave this cell empty.",
    ),
    (
        "too many cells",
        NEW + ",extra",
        "line 5, column 10: this row has 10 cells but the header has 9 columns; put cells that "
        'contain "," in double quotes.',
    ),
    (
        "too long",
        NEW.replace("E2001", "E" * 51),
        "line 5, column employee_id: longer than 50 characters.",
    ),
]


@pytest.mark.parametrize("row, message", [c[1:] for c in BAD_ROWS], ids=[c[0] for c in BAD_ROWS])
def test_a_bad_row_names_its_line_and_column_and_nothing_is_written(roster, row, message):
    # The other rows are valid and would change things (Amara moves unit, Olga leaves).
    rows = [AMARA.replace(",NICU,", ",PICU,"), OLGA.replace(",yes,", ",no,"), DAN, row]
    assert errors_of(csv_file(*rows), deactivate_missing=True) == [message]


def test_an_email_that_belongs_to_another_user(roster):
    manager = roster.manager
    other = NEW.replace("anh.nguyen@hospital.test", "Manager@Hospital.test")
    assert errors_of(csv_file(*ROSTER, other)) == [
        f"line 5, column email: Manager@hospital.test is already the email of "
        f'{manager.get_full_name()} (user "manager", not on the staff list).'
    ]
    staff = AMARA.replace("nurse@", "physician@")
    assert errors_of(csv_file(staff, OLGA)) == [
        "line 2, column email: physician@hospital.test is already the email of Dan Reyes "
        "(employee E1003)."
    ]


def test_people_may_swap_emails_and_keep_their_own(roster):
    swapped = csv_file(
        AMARA.replace("nurse@", "picunurse@"), OLGA.replace("picunurse@", "nurse@"), DAN
    )
    plan = run(swapped, commit=True)
    assert len(plan.updates) == 2
    assert profile("E1001").user.email == "picunurse@hospital.test"
    # A change of case only is not a change.
    assert not run(
        csv_file(AMARA.replace("nurse@hospital.test", "PICUNURSE@hospital.TEST"))
    ).has_changes


def test_every_problem_is_reported_at_once_in_file_order(roster):
    rows = [
        AMARA.replace("2024-01-15", "15/01/2024"),
        OLGA.replace("Olga,", ",").replace("Registered nurse", "Nurse"),
        DAN.replace("E1003", "E1001"),
    ]
    messages = errors_of(csv_file(*rows))
    assert [m.split(":")[0] for m in messages] == [
        "line 2, column start_date",
        "line 3, column first_name",
        "line 3, column role",
        "line 4, column employee_id",
    ]


FILE_PROBLEMS = [
    ("empty", b"", "line 1: the file is empty."),
    ("blank lines", b"\n \n\r\n", "line 1: the file is empty."),
    ("header only", csv_file(), "line 2: the file has a header but no staff rows."),
    (
        "unclosed quote",
        csv_file(AMARA, 'E2001,"Thị Ánh,Nguyễn,anh@hospital.test,Physician,NICU,2025-03-03,,'),
        'line 3: a quoted cell starting on this line is never closed (a " is missing).',
    ),
    (
        "stray quote",
        csv_file(AMARA, 'E2001,"Thị" Ánh,Nguyễn,anh@hospital.test,Physician,NICU,2025-03-03,,'),
        'line 3: a quoted cell has text after its closing quote; inside quotes, write a " as "".',
    ),
    (
        "not UTF-8",
        csv_file(AMARA).decode().replace("Okafor", "Núñez").encode("latin-1"),
        'line 2: the file is not UTF-8 text. Save it from the spreadsheet as "CSV UTF-8" and '
        "import it again.",
    ),
    (
        "Excel workbook",
        b"PK\x03\x04\x14\x00\x06\x00",
        "line 1: this is an Excel workbook, not a CSV file. In Excel choose File › Save As › "
        '"CSV UTF-8 (Comma delimited)" and import that file.',
    ),
]


@pytest.mark.parametrize(
    "data, message", [c[1:] for c in FILE_PROBLEMS], ids=[c[0] for c in FILE_PROBLEMS]
)
def test_a_file_that_cannot_be_read(roster, data, message):
    assert errors_of(data) == [message]


def test_lines_count_the_line_breaks_inside_quoted_cells(roster):
    header = HEADER + ",notes"
    data = csv_file(
        AMARA + ',"first line\nsecond line\nthird line"',
        NEW.replace(",NICU,", ",ICU,") + ",",
        header=header,
    )
    assert errors_of(data)[0].startswith('line 5, column unit: unknown unit "ICU".')


# --- deactivation and managed units --------------------------------------------------------------


def test_deactivating_a_manager_takes_their_units_away(roster):
    Unit.objects.get(name="NICU").managers.add(roster.physician)
    header = HEADER.removesuffix(",manager_of")  # no manager_of column
    rows = [r.removesuffix(",") for r in (AMARA, OLGA, DAN.replace(",yes,", ",no,"))]
    plan = run(csv_file(*rows, header=header))
    [entry] = plan.deactivations
    assert [(c.field, c.old, c.new) for c in entry.changes] == [
        ("active", "yes", "no"),
        ("manager of", "NICU", "(none)"),
    ]
    run(csv_file(*rows, header=header), commit=True)
    assert profile("E1003").active is False
    assert managed(roster.physician) == set()


def test_staff_missing_from_the_file_are_deactivated_only_when_asked(roster):
    file = csv_file(AMARA, DAN)
    plan = run(file)
    assert plan.deactivations == [] and plan.unchanged == 2
    plan = run(file, deactivate_missing=True)
    [entry] = plan.deactivations
    assert (entry.line, entry.employee_id, entry.name) == (None, "E1002", "Olga Petrova")
    run(file, commit=True, deactivate_missing=True)
    assert profile("E1002").active is False
    assert profile("E1001").active is True
    # Inactive people are not deactivated again.
    assert not run(file, deactivate_missing=True).has_changes


def test_reactivating_someone(roster):
    run(csv_file(AMARA, OLGA, DAN.replace(",yes,", ",no,")), commit=True)
    plan = run(csv_file(*ROSTER), commit=True)
    [entry] = plan.updates
    assert [(c.field, c.old, c.new) for c in entry.changes] == [("active", "no", "yes")]
    assert profile("E1003").active is True


def test_inactive_people_not_in_attune_are_skipped(roster):
    leaver = NEW.replace(",yes,", ",no,")
    plan = run(csv_file(*ROSTER, leaver), commit=True)
    assert plan.creates == [] and [e.employee_id for e in plan.skipped] == ["E2001"]
    assert not StaffProfile.objects.filter(employee_id="E2001").exists()


def test_manager_of_replaces_the_units_a_person_manages(roster):
    make_manager = AMARA.removesuffix(",") + ",PICU | nicu"
    plan = run(csv_file(make_manager, OLGA, DAN), commit=True)
    assert [(c.field, c.old, c.new) for c in plan.updates[0].changes] == [
        ("manager of", "(none)", "NICU, PICU")
    ]
    assert managed(roster.staff) == {"NICU", "PICU"}
    run(csv_file(AMARA.removesuffix(",") + ",PICU", OLGA, DAN), commit=True)
    assert managed(roster.staff) == {"PICU"}
    # Without the column, managed units are left alone.
    header = HEADER.removesuffix(",manager_of")
    assert not run(csv_file(AMARA.removesuffix(","), header=header)).has_changes
    # An empty cell in the column means: manages no unit.
    run(csv_file(*ROSTER), commit=True)
    assert managed(roster.staff) == set()


def test_a_new_account_gets_a_free_username(roster):
    UserFactory(username="E2001")
    run(csv_file(NEW), commit=True)
    assert profile("E2001").user.username == "E2001-2"


# --- history -------------------------------------------------------------------------------------


def test_history_records_the_acting_user(roster):
    Unit.objects.get(name="NICU").managers.add(roster.physician)
    rows = [AMARA.replace(",NICU,", ",PICU,").removesuffix(",") + ",PICU", OLGA, NEW]
    run(csv_file(*rows), commit=True, deactivate_missing=True, actor=roster.admin)
    created = profile("E2001").history.get()
    assert (created.history_type, created.history_user) == ("+", roster.admin)
    assert created.history_change_reason == "HR import: new"
    updated = profile("E1001").history.latest()
    assert (updated.history_type, updated.history_user, updated.unit.name) == (
        "~",
        roster.admin,
        "PICU",
    )
    assert updated.history_change_reason == "HR import: unit, manager of"
    deactivated = profile("E1003").history.latest()
    assert (deactivated.active, deactivated.history_user) == (False, roster.admin)
    assert deactivated.history_change_reason == "HR import: active, manager of (not in the file)"
    for unit in ("NICU", "PICU"):
        latest = Unit.objects.get(name=unit).history.latest()
        assert latest.history_user == roster.admin
    assert managed(roster.staff) == {"PICU"} and managed(roster.physician) == set()


def test_a_name_change_is_in_the_profile_history(roster):
    run(csv_file(AMARA.replace("Okafor", "Okafor-Hale")), commit=True, actor=roster.admin)
    latest = profile("E1001").history.latest()
    assert (latest.history_user, latest.history_change_reason) == (
        roster.admin,
        "HR import: last name",
    )


# --- query counts --------------------------------------------------------------------------------


def _new_rows(n, start=3000):
    return [
        f"E{start + i},First{i},Last{i},p{start + i}@hospital.test,Registered nurse,NICU,"
        "2025-01-06,yes,"
        for i in range(n)
    ]


def _queries(rows, actor) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        run(csv_file(*ROSTER, *rows), commit=True, actor=actor)
    return [q["sql"] for q in captured.captured_queries]


def test_commit_queries_do_not_grow_with_the_file(roster):
    """Creates, an update of everyone, then an unchanged re-import: the same number of
    queries for 5 people as for 40, and an unchanged file writes nothing."""
    counts = {}
    for size, start in ((5, 3000), (40, 4000)):
        moved = [r.replace(",NICU,", ",PICU,") for r in _new_rows(size, start)]
        created = _queries(_new_rows(size, start), roster.admin)
        updated = _queries(moved, roster.admin)
        unchanged = _queries(moved, roster.admin)
        assert not [q for q in unchanged if re.match(r"(INSERT|UPDATE|DELETE)", q)]
        counts[size] = (len(created), len(updated), len(unchanged))
    assert counts[5] == counts[40]
    assert StaffProfile.objects.filter(unit__name="PICU").count() == 1 + 5 + 40


# --- the command ---------------------------------------------------------------------------------


def test_command_dry_run_then_commit(roster, tmp_path, capsys):
    path = tmp_path / "staff.csv"
    path.write_bytes(CHANGES)
    before = snapshot()
    call_command("import_staff", str(path))
    out = capsys.readouterr().out
    assert snapshot() == before
    assert (
        "line 5: E2001 Thị Ánh Nguyễn – anh.nguyen@hospital.test, Registered nurse, NICU, "
        "starts 2025-03-03" in out
    )
    assert (
        "line 2: E1001 Amara Okafor – email nurse@hospital.test → amara.okafor@hospital.test; "
        "unit NICU → PICU" in out
    )
    assert "line 4: E1003 Dan Reyes – active yes → no" in out
    assert f"Dry run of {path}: 1 to create, 1 to update, 1 to deactivate, 1 unchanged." in out
    assert "Run again with --commit" in out

    call_command("import_staff", str(path), "--commit", "--user", "admin")
    out = capsys.readouterr().out
    assert f"Imported {path}: 1 created, 1 updated, 1 deactivated, 1 unchanged." in out
    assert profile("E2001").history.get().history_user == roster.admin


def test_command_deactivate_missing(roster, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(csv_file(AMARA, DAN))
    call_command("import_staff", str(path), "--commit")
    assert profile("E1002").active is True
    call_command("import_staff", str(path), "--commit", "--deactivate-missing")
    assert profile("E1002").active is False


def test_command_errors_list_every_problem_and_write_nothing(roster, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(csv_file(AMARA.replace("NICU", "Nowhere"), NEW.replace(",yes,", ",sure,")))
    before = snapshot()
    with pytest.raises(CommandError) as caught:
        call_command("import_staff", str(path), "--commit")
    assert snapshot() == before
    message = str(caught.value)
    assert message.startswith("Nothing was imported. Fix these problems and run the import again:")
    assert '\n  line 2, column unit: unknown unit "Nowhere".' in message
    assert '\n  line 3, column active: "sure" is not yes or no' in message


def test_command_unknown_user_or_missing_file(roster, tmp_path):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("import_staff", str(tmp_path / "staff.csv"), "--user", "nobody")
    with pytest.raises(CommandError, match="Cannot read .*staff.csv: No such file"):
        call_command("import_staff", str(tmp_path / "staff.csv"))


# --- the admin page ------------------------------------------------------------------------------

URL = "/admin/staff-import/"


def upload(client, data, name="staff.csv", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(URL, {"file": SimpleUploadedFile(name, data, "text/csv"), **extra})


def test_admin_upload_preview_confirm(roster, login):
    client = login(roster.admin)
    page = client.get(URL)
    assert page.status_code == 200
    assert b"Preview import" in page.content

    before = snapshot()
    preview = upload(client, CHANGES)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert snapshot() == before
    assert "Confirm import" in html
    assert "Thị Ánh Nguyễn" in html and "Dan Reyes" in html
    assert "1 to create, 1 to update, 1 to deactivate, 1 unchanged" in html
    token = re.search(r'name="token" value="([^"]+)"', html)[1]

    done = client.post(URL + "confirm/", {"token": token})
    assert done.status_code == 302 and done["Location"] == URL
    assert profile("E2001").history.get().history_user == roster.admin
    assert profile("E1001").unit.name == "PICU"
    page = client.get(URL)
    assert "Staff imported from staff.csv: 1 created, 1 updated, 1 deactivated, 1 unchanged." in (
        page.content.decode()
    )

    # The token is used up: confirming again imports nothing.
    after = snapshot()
    again = client.post(URL + "confirm/", {"token": token}, follow=True)
    assert "This preview is no longer current" in again.content.decode()
    assert snapshot() == after


def test_admin_confirm_commits_the_previewed_file_not_a_later_one(roster, login):
    client = login(roster.admin)
    first = upload(client, CHANGES).content.decode()
    old_token = re.search(r'name="token" value="([^"]+)"', first)[1]
    second = upload(client, csv_file(*ROSTER, NEW.replace("E2001", "E2999"))).content.decode()
    new_token = re.search(r'name="token" value="([^"]+)"', second)[1]
    client.post(URL + "confirm/", {"token": old_token})
    assert not StaffProfile.objects.filter(employee_id__in=["E2001", "E2999"]).exists()
    client.post(URL + "confirm/", {"token": new_token})
    assert StaffProfile.objects.filter(employee_id="E2999").exists()
    assert not StaffProfile.objects.filter(employee_id="E2001").exists()


def test_admin_confirm_after_records_changed_shows_the_new_plan(roster, login):
    client = login(roster.admin)
    html = upload(client, CHANGES).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html)[1]
    dan = profile("E1003")
    dan.active = False
    dan.save()  # someone deactivated Dan in the meantime
    before = snapshot()
    stale = client.post(URL + "confirm/", {"token": token})
    assert stale.status_code == 200
    assert "staff records changed since the preview" in stale.content.decode()
    assert snapshot() == before
    client.post(URL + "confirm/", {"token": token})
    assert StaffProfile.objects.filter(employee_id="E2001").exists()


def test_admin_upload_with_errors_shows_them_by_line_and_column(roster, login):
    client = login(roster.admin)
    before = snapshot()
    response = upload(client, csv_file(*ROSTER, NEW.replace("2025-03-03", "2025-13-01")))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported." in html
    assert "line 5, column start_date: &quot;2025-13-01&quot; is not a real date." in html
    assert "Confirm import" not in html
    assert snapshot() == before


def test_admin_deactivate_missing_checkbox(roster, login):
    client = login(roster.admin)
    html = upload(client, csv_file(AMARA, DAN), deactivate_missing="on").content.decode()
    assert "not in file" in html and "Olga Petrova" in html
    token = re.search(r'name="token" value="([^"]+)"', html)[1]
    client.post(URL + "confirm/", {"token": token})
    assert profile("E1002").active is False


def test_nothing_to_import(roster, login):
    html = upload(login(roster.admin), csv_file(*ROSTER)).content.decode()
    assert "Nothing to import" in html and "Confirm import" not in html


def test_only_admins_and_holders_of_the_permission_may_import(roster, login, client):
    for user in (roster.lead, roster.educator):
        login(user)
        assert client.get(URL)["Location"] == "/admin/"
        response = upload(client, CHANGES)
        assert response.status_code == 302 and response["Location"] == "/admin/"
        assert not StaffProfile.objects.filter(employee_id="E2001").exists()
        assert b"Import staff" not in client.get("/admin/").content
    hr = UserFactory(username="hr")
    group = Group.objects.create(name="HR")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="import_staff"),
    )
    hr.groups.add(group)
    login(hr)
    assert b"Import staff (HR)" in client.get("/admin/").content
    html = upload(client, CHANGES).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html)[1]
    client.post(URL + "confirm/", {"token": token})
    assert profile("E2001").history.get().history_user == hr


def test_role_and_unit_are_never_created(roster):
    RoleFactory(name="Social worker")
    UnitFactory(name="Cardiology clinic")
    rows = [
        NEW.replace("Registered nurse", "social WORKER").replace(",NICU,", ",cardiology clinic,")
    ]
    run(csv_file(*rows), commit=True)
    new = profile("E2001")
    assert (new.role.name, new.unit.name) == ("Social worker", "Cardiology clinic")
    with pytest.raises(StaffImportError):
        run(csv_file(NEW.replace("E2001", "E2002").replace(",NICU,", ",Cardio,")), commit=True)
    assert not Unit.objects.filter(name="Cardio").exists()


def test_stale_plan_is_refused_by_the_service(roster):
    plan = run(CHANGES)
    dan = profile("E1003")
    dan.active = False
    dan.save()
    with pytest.raises(StaleImportPlan) as caught:
        run(CHANGES, commit=True, expected_fingerprint=plan.fingerprint)
    assert caught.value.plan.deactivations == []
    run(CHANGES, commit=True, expected_fingerprint=caught.value.plan.fingerprint)
    assert StaffProfile.objects.filter(employee_id="E2001").exists()
