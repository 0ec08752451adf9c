"""Selectors for the manager and education-lead reports: the reports home, the unit matrix,
the organisation view, a person's transcript and the compliance trend.

Summaries, filters and sorting are worked out by the database, so every screen costs the
same number of SQL queries at 50 or 5,000 staff, and only the page on screen is loaded.
Exports walk the staff in batches (a few queries per batch), so memory stays flat however
large the unit.

The status of an assignment is computed in SQL here (`status_expression`) and in Python for
the learner's own pages (`training.schedule.status_on`); tests hold the two to the same
answer for every case.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear
from django.utils.translation import gettext_lazy as _

from . import access, schedule
from .models import (
    Assignment,
    Attempt,
    Completion,
    ComplianceSnapshot,
    Requirement,
    Role,
    StaffProfile,
    Status,
    Unit,
)
from .selectors import ORDER, _module_ids_by_requirement, _started, due_soon_days

LATE = (Status.OVERDUE, Status.EXPIRED)
# Practice rounds never count: they start nothing and appear in no report.
COUNTED_KINDS = (Attempt.Kind.PRE, Attempt.Kind.POST)
TO_DO = "to_do"  # not started or in progress: the SQL status does not look at attempts


# --- status in SQL ------------------------------------------------------------------------------


def status_expression(
    *, today: datetime.date, window: int, graces: dict[int, tuple[int, ...]]
) -> Case:
    """An assignment's status on `today`, as SQL (see `schedule.status_on`).

    Needs the queryset aliased with `due_date` (`with_status` does it). Grace periods are
    per requirement; `graces` maps each grace period in use to its requirements' ids, so the
    comparison is with a constant date for each (portable between SQLite and PostgreSQL, and
    no join to the requirement). Not started and in
    progress are one value here, `to_do`: telling them apart needs the person's attempts.
    """
    late = Q(pk__in=[])
    for grace, requirement_ids in sorted(graces.items()):
        late |= Q(
            requirement_id__in=requirement_ids, due_date__lt=today - datetime.timedelta(grace)
        )
    return Case(
        When(exempt=True, then=Value(Status.EXEMPT.value)),
        When(
            Q(completed_on__isnull=False, valid_until__isnull=True)
            | Q(completed_on__isnull=False, valid_until__gte=today),
            then=Value(Status.COMPLETED.value),
        ),
        When(late & Q(renews_until__isnull=False), then=Value(Status.EXPIRED.value)),
        When(late, then=Value(Status.OVERDUE.value)),
        When(due_date__lte=today + datetime.timedelta(window), then=Value(Status.DUE_SOON.value)),
        When(renews_until__isnull=False, then=Value(Status.COMPLETED.value)),
        default=Value(TO_DO),
        output_field=CharField(),
    )


def compliant_q() -> Q:
    """Holding a valid completion (`schedule.is_compliant`), on a queryset with `status`."""
    return Q(status=Status.COMPLETED.value) | Q(
        status=Status.DUE_SOON.value, renews_until__isnull=False
    )


def _graces() -> dict[int, tuple[int, ...]]:
    """Requirement ids by grace period (one query)."""
    out: dict[int, list[int]] = defaultdict(list)
    for grace, pk in Requirement.objects.order_by().values_list("grace_days", "pk"):
        out[grace].append(pk)
    return {grace: tuple(ids) for grace, ids in out.items()}


def with_status(
    queryset: QuerySet[Assignment],
    *,
    today: datetime.date,
    window: int,
    graces: dict[int, tuple[int, ...]],
) -> QuerySet[Assignment]:
    return queryset.alias(due_date=Coalesce("extended_to", "due_on")).alias(
        status=status_expression(today=today, window=window, graces=graces)
    )


def _held_in(unit_ids) -> Exists:
    """Whether a requirement is held now (a current assignment) by someone active in these
    units. Checked per requirement through the (requirement, current) index, so it stops at
    the first holder instead of reading every assignment."""
    return Exists(
        Assignment.objects.filter(
            requirement_id=OuterRef("pk"),
            current=True,
            user_id__in=StaffProfile.objects.filter(active=True, unit_id__in=unit_ids).values(
                "user_id"
            ),
        )
    )


@dataclass(frozen=True)
class Context:
    """What every report needs to know about today (two queries, once per request)."""

    today: datetime.date
    window: int
    graces: dict[int, tuple[int, ...]]  # requirement ids by grace period

    @classmethod
    def load(cls, today: datetime.date) -> Context:
        return cls(today=today, window=due_soon_days(), graces=_graces())

    def annotate(self, queryset: QuerySet[Assignment]) -> QuerySet[Assignment]:
        return with_status(queryset, today=self.today, window=self.window, graces=self.graces)


# --- summaries ----------------------------------------------------------------------------------


@dataclass
class Counts:
    """Assignments of a group of staff on one day, by status."""

    staff: int = 0
    assigned: int = 0
    exempt: int = 0
    compliant: int = 0
    overdue: int = 0
    expired: int = 0
    due_soon: int = 0
    people_late: int = 0  # people with at least one overdue or expired requirement

    @property
    def required(self) -> int:
        return self.assigned - self.exempt

    @property
    def percent(self) -> int | None:
        """Compliant out of required (exempt left out), rounded down; None if none required."""
        return None if not self.required else (self.compliant * 100) // self.required

    @property
    def late(self) -> int:
        return self.overdue + self.expired

    def add(self, other: Counts) -> None:
        for name in (
            "staff",
            "assigned",
            "exempt",
            "compliant",
            "overdue",
            "expired",
            "due_soon",
            "people_late",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class RoleCounts:
    role: Role
    counts: Counts


@dataclass
class UnitSummary:
    unit: Unit
    counts: Counts
    by_role: list[RoleCounts]
    role_columns: list[Counts | None] = field(default_factory=list)  # aligned to the roles

    def role_percent(self, role_id: int) -> int | None:
        for row in self.by_role:
            if row.role.pk == role_id:
                return row.counts.percent
        return None


@dataclass
class Organisation:
    units: list[UnitSummary]
    roles: list[Role]  # every role that has staff in these units, by name
    total: Counts
    by_role: list[RoleCounts]


def _tally(queryset: QuerySet[Assignment], ctx: Context, *group: str) -> dict[tuple, Counts]:
    """Counts per group of assignments (one query): grouped by status and renewal, which
    the database does in one pass, then added up here."""
    rows = (
        ctx.annotate(queryset)
        .annotate(
            st=F("status"),
            renewing=ExpressionWrapper(Q(renews_until__isnull=False), output_field=BooleanField()),
        )
        .values(*group, "st", "renewing")
        .annotate(n=Count("pk"))
        .order_by()
    )
    out: dict[tuple, Counts] = defaultdict(Counts)
    for row in rows:
        c = out[tuple(row[g] for g in group)]
        n, status = row["n"], row["st"]
        c.assigned += n
        c.exempt += n if status == Status.EXEMPT else 0
        c.overdue += n if status == Status.OVERDUE else 0
        c.expired += n if status == Status.EXPIRED else 0
        c.due_soon += n if status == Status.DUE_SOON else 0
        c.compliant += n if schedule.is_compliant(status, renewal=row["renewing"]) else 0
    return out


def _per_person_sql(ctx: Context, staff: QuerySet[StaffProfile]) -> tuple[str, list]:
    """SQL for one row per person of `staff` (active or not, as given) and their counts by
    status, with the status worked out once per assignment: a subquery of (person, status,
    renewal) per current assignment, grouped by person, left-joined to the staff so that
    people who hold nothing are counted too."""
    statuses = (
        ctx.annotate(Assignment.objects.filter(current=True, user_id__in=staff.values("user_id")))
        .annotate(
            st=F("status"),
            renewing=ExpressionWrapper(Q(renews_until__isnull=False), output_field=BooleanField()),
        )
        .values("user_id", "st", "renewing")
        .order_by()
    )
    inner, inner_params = statuses.query.get_compiler(statuses.db).as_sql()
    people, people_params = (
        staff.order_by()
        .values("user_id", "unit_id", "role_id")
        .query.get_compiler(staff.db)
        .as_sql()
    )

    def count(condition: str) -> str:
        return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"

    # Compliant as `schedule.is_compliant`: completed, or due for renewal and not yet expired.
    # Only compiled ORM SQL and fixed text are put together here; every value is a parameter.
    per_person = f"""
        SELECT s.user_id AS user_id, COUNT(*) AS assigned,
            {count("s.st = %s")} AS exempt,
            {count("s.st = %s OR (s.st = %s AND s.renewing)")} AS compliant,
            {count("s.st = %s")} AS overdue,
            {count("s.st = %s")} AS expired,
            {count("s.st = %s")} AS due_soon
        FROM ({inner}) s GROUP BY s.user_id"""  # noqa: S608
    per_person_params = [  # in the order of the placeholders: the SELECT list, then FROM
        Status.EXEMPT.value,
        Status.COMPLETED.value,
        Status.DUE_SOON.value,
        Status.OVERDUE.value,
        Status.EXPIRED.value,
        Status.DUE_SOON.value,
        *inner_params,
    ]
    sql = f"""
        SELECT p.unit_id, p.role_id, COUNT(*),
            COALESCE(SUM(t.assigned), 0), COALESCE(SUM(t.exempt), 0),
            COALESCE(SUM(t.compliant), 0), COALESCE(SUM(t.overdue), 0),
            COALESCE(SUM(t.expired), 0), COALESCE(SUM(t.due_soon), 0),
            {count("t.overdue + t.expired > 0")}
        FROM ({people}) p LEFT JOIN ({per_person}) t ON t.user_id = p.user_id
        GROUP BY p.unit_id, p.role_id"""  # noqa: S608
    return sql, [*people_params, *per_person_params]


def unit_summaries(*, units: QuerySet[Unit], ctx: Context) -> Organisation:
    """Compliance per unit, per unit and role, and in total. Three queries whatever the size:
    the units, the counts (one pass over the assignments, grouped per person and then per
    unit and role) and the roles."""
    unit_list = list(units.order_by("name"))
    groups: dict[tuple[int, int], Counts] = {}
    if unit_list:
        staff = StaffProfile.objects.filter(unit_id__in=[u.pk for u in unit_list], active=True)
        sql, params = _per_person_sql(ctx, staff)
        with connections[staff.db].cursor() as cursor:
            cursor.execute(sql, params)
            for unit_id, role_id, *numbers in cursor.fetchall():
                staff_n, assigned, exempt, compliant, overdue, expired, due_soon, late = (
                    int(n) for n in numbers
                )
                groups[(unit_id, role_id)] = Counts(
                    staff=staff_n,
                    assigned=assigned,
                    exempt=exempt,
                    compliant=compliant,
                    overdue=overdue,
                    expired=expired,
                    due_soon=due_soon,
                    people_late=late,
                )
    roles = Role.objects.in_bulk({role_id for _unit, role_id in groups})
    role_order = sorted(roles.values(), key=lambda r: (r.name.lower(), r.pk))
    summaries = []
    total = Counts()
    role_totals: dict[int, Counts] = defaultdict(Counts)
    for unit in unit_list:
        counts = Counts()
        by_role = []
        for role in role_order:
            c = groups.get((unit.pk, role.pk))
            if c is None:
                continue
            counts.add(c)
            role_totals[role.pk].add(c)
            by_role.append(RoleCounts(role=role, counts=c))
        total.add(counts)
        summaries.append(
            UnitSummary(
                unit=unit,
                counts=counts,
                by_role=by_role,
                role_columns=[groups.get((unit.pk, role.pk)) for role in role_order],
            )
        )
    return Organisation(
        units=summaries,
        roles=role_order,
        total=total,
        by_role=[RoleCounts(role=r, counts=role_totals[r.pk]) for r in role_order],
    )


def unit_requirement_counts(*, ctx: Context) -> dict[tuple[int, int], Counts]:
    """Every unit x requirement held by active staff: assigned, compliant, overdue, expired,
    due soon and exempt, as the reports count them (one query; the daily snapshot stores
    these)."""
    in_scope = Assignment.objects.filter(current=True, user__staff_profile__active=True)
    return dict(_tally(in_scope, ctx, "user__staff_profile__unit_id", "requirement_id"))


# --- trend from the daily snapshots ---------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    day: datetime.date
    compliant: int
    required: int

    @property
    def percent(self) -> float | None:
        return None if not self.required else 100 * self.compliant / self.required


def compliance_trend(
    *, unit_ids: Iterable[int], today: datetime.date, days: int = 365
) -> dict[int | None, list[TrendPoint]]:
    """Daily compliance from the snapshots over the last `days` days, per unit and for all of
    them together (key None). One query."""
    since = today - datetime.timedelta(days=days)
    series: dict[int | None, list[TrendPoint]] = defaultdict(list)
    totals: dict[datetime.date, list[int]] = defaultdict(lambda: [0, 0])
    for row in (
        ComplianceSnapshot.objects.filter(unit_id__in=unit_ids, taken_on__gt=since)
        .values("unit_id", "taken_on")
        .annotate(compliant=Sum("compliant"), required=Sum(F("assigned") - F("exempt")))
        .order_by("taken_on", "unit_id")
    ):
        series[row["unit_id"]].append(
            TrendPoint(day=row["taken_on"], compliant=row["compliant"], required=row["required"])
        )
        totals[row["taken_on"]][0] += row["compliant"]
        totals[row["taken_on"]][1] += row["required"]
    series[None] = [TrendPoint(day=d, compliant=c, required=r) for d, (c, r) in totals.items()]
    return dict(series)


# --- the unit matrix ------------------------------------------------------------------------


STATUS_FILTERS = [
    ("late", _("Overdue or expired")),
    (Status.OVERDUE.value, _("Overdue")),
    (Status.EXPIRED.value, _("Expired")),
    (Status.DUE_SOON.value, _("Due soon")),
    (Status.IN_PROGRESS.value, _("In progress")),
    (Status.NOT_STARTED.value, _("Not started")),
    ("not_compliant", _("Not compliant")),
    (Status.COMPLETED.value, _("Completed")),
    (Status.EXEMPT.value, _("Exempt")),
]

SORTS = [
    ("name", _("Name")),
    ("-name", _("Name, Z to A")),
    ("role", _("Role")),
    ("employee", _("Employee ID")),
    ("late", _("Most overdue first")),
]


@dataclass(frozen=True)
class MatrixFilters:
    role: int | None = None
    status: str | None = None
    requirement: int | None = None
    q: str = ""
    sort: str = "name"

    @property
    def active(self) -> bool:
        return bool(self.role or self.status or self.requirement or self.q)


@dataclass
class Cell:
    status: Status | None  # None: not required for this person
    due_date: datetime.date | None = None
    completed_on: datetime.date | None = None
    valid_until: datetime.date | None = None
    assignment_id: int | None = None
    days_late: int | None = None  # overdue or expired: days since the due date

    @property
    def date(self) -> datetime.date | None:
        """The one date a spreadsheet shows: valid until (or completed on) when completed,
        nothing when exempt, otherwise the due date in force."""
        if self.status is None or self.status == Status.EXEMPT:
            return None
        if self.status == Status.COMPLETED:
            return self.valid_until or self.completed_on
        return self.due_date


@dataclass
class Row:
    profile: StaffProfile
    cells: list[Cell]


@dataclass
class MatrixPage:
    unit: Unit
    requirements: list[Requirement]  # the columns
    rows: list[Row]
    page: object  # django.core.paginator.Page of the staff
    total_staff: int  # active staff in the unit, before filters


MODULE_BODY = ("lessons", "quiz", "references", "learning_objectives", "content_note")


def _requirements() -> QuerySet[Requirement]:
    """Requirements with their module's or set's name, not the module's lessons and quiz."""
    return Requirement.objects.select_related("module", "module_set").defer(
        *(f"module__{f}" for f in MODULE_BODY)
    )


def _in_catalogue_order(requirements: list[Requirement]) -> list[Requirement]:
    """Requirements in the catalogue order of their first module, each given `module_ids`
    (its published modules, in catalogue order) for `_cells`. Two queries."""
    by_req = _module_ids_by_requirement([r.pk for r in requirements])
    rank = {req_id: i for i, req_id in enumerate(by_req)}
    for r in requirements:
        r.module_ids = by_req.get(r.pk, [])
    return sorted(requirements, key=lambda r: (rank.get(r.pk, len(rank)), r.title.lower(), r.pk))


def unit_columns(*, unit: Unit) -> list[Requirement]:
    """The requirements someone active in the unit holds now, in catalogue order (3 queries)."""
    return _in_catalogue_order(list(_requirements().filter(_held_in([unit.pk]))))


def _started_exists() -> Exists:
    """Whether the assignment's person has started one of its modules in this cycle."""
    attempts = Attempt.objects.filter(user_id=OuterRef("user_id"), kind__in=COUNTED_KINDS).filter(
        Q(module_id=OuterRef("requirement__module_id"))
        | Q(module__module_sets__requirements=OuterRef("requirement_id"))
    )
    since = Coalesce(OuterRef("counts_from"), Value(_EPOCH), output_field=DateTimeField())
    return Exists(attempts.filter(started_at__gt=since))


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _status_condition(status: str) -> Q:
    if status == "late":
        return Q(status__in=[s.value for s in LATE])
    if status == "not_compliant":
        return ~compliant_q() & ~Q(status=Status.EXEMPT.value)
    if status == Status.IN_PROGRESS.value:
        return Q(status=TO_DO, started=True)
    if status == Status.NOT_STARTED.value:
        return Q(status=TO_DO, started=False)
    if status == Status.COMPLETED.value:
        return compliant_q()
    return Q(status=status)


def staff_queryset(*, unit: Unit, filters: MatrixFilters, ctx: Context) -> QuerySet[StaffProfile]:
    """The unit's active staff, filtered and sorted (no query until evaluated)."""
    qs = StaffProfile.objects.filter(unit=unit, active=True).select_related("user", "role")
    if filters.role:
        qs = qs.filter(role_id=filters.role)
    for word in filters.q.split()[:5]:
        qs = qs.filter(
            Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(employee_id__icontains=word)
        )
    if filters.requirement or filters.status:
        held = Assignment.objects.filter(user_id=OuterRef("user_id"), current=True)
        if filters.requirement:
            held = held.filter(requirement_id=filters.requirement)
        if filters.status:
            held = ctx.annotate(held)
            if filters.status in (Status.IN_PROGRESS.value, Status.NOT_STARTED.value):
                held = held.alias(started=_started_exists())
            held = held.filter(_status_condition(filters.status))
        qs = qs.filter(Exists(held))
    name = ["user__last_name", "user__first_name", "employee_id"]
    if filters.sort == "-name":
        return qs.order_by(*(f"-{n}" for n in name))
    if filters.sort == "role":
        return qs.order_by("role__name", *name)
    if filters.sort == "employee":
        return qs.order_by("employee_id")
    if filters.sort == "late":
        late = ctx.annotate(
            Assignment.objects.filter(user_id=OuterRef("user_id"), current=True)
        ).filter(status__in=[s.value for s in LATE])
        # One subquery per person instead of two: one number that orders as "most late
        # requirements first, then the oldest due date": minus the count times 10^8, plus
        # the oldest due date as YYYYMMDD (whole numbers on SQLite and PostgreSQL alike,
        # whatever the server's date format). Nothing late: no key, last, by name.
        oldest = Min("due_date")
        key = (
            Count("pk") * Value(-100_000_000)
            + ExtractYear(oldest) * Value(10_000)
            + ExtractMonth(oldest) * Value(100)
            + ExtractDay(oldest)
        )
        qs = qs.annotate(
            late_key=Subquery(
                late.order_by().values("user_id").annotate(k=key).values("k")[:1],
                output_field=BigIntegerField(),
            )
        )
        return qs.order_by(F("late_key").asc(nulls_last=True), *name)
    return qs.order_by(*name)


def _cells(profiles: list[StaffProfile], columns: list[Requirement], ctx: Context) -> list[Row]:
    """The matrix rows of these people (two queries); `columns` from `_in_catalogue_order`."""
    user_ids = [p.user_id for p in profiles]
    column_ids = [r.pk for r in columns]
    held: dict[tuple[int, int], tuple] = {}
    for row in Assignment.objects.filter(
        current=True, user_id__in=user_ids, requirement_id__in=column_ids
    ).values_list(
        "pk",
        "user_id",
        "requirement_id",
        "due_on",
        "extended_to",
        "exempt",
        "completed_on",
        "valid_until",
        "renews_until",
        "counts_from",
    ):
        held[(row[1], row[2])] = row
    by_req = {r.pk: r.module_ids for r in columns}
    grace = {r.pk: r.grace_days for r in columns}
    rows = []
    to_check: list[tuple[Cell, int, int, datetime.datetime | None]] = []
    for p in profiles:
        cells = []
        for requirement in columns:
            a = held.get((p.user_id, requirement.pk))
            if a is None:
                cells.append(Cell(status=None))
                continue
            pk, _u, _r, due_on, extended_to, exempt, completed_on, valid_until, renews, cf = a
            due = extended_to or due_on
            status = Status(
                schedule.status_on(
                    today=ctx.today,
                    due_on=due,
                    grace_days=grace[requirement.pk],
                    due_soon_days=ctx.window,
                    completed_on=completed_on,
                    valid_until=valid_until,
                    renewal=renews is not None,
                    exempt=exempt,
                )
            )
            cell = Cell(
                status=status,
                due_date=due,
                completed_on=completed_on,
                valid_until=valid_until or renews,
                assignment_id=pk,
                days_late=(ctx.today - due).days if status in LATE else None,
            )
            if status == Status.NOT_STARTED:  # or in progress: only the attempts can tell
                to_check.append((cell, p.user_id, requirement.pk, cf))
            cells.append(cell)
        rows.append(Row(profile=p, cells=cells))
    if to_check:
        latest = {
            (row["user_id"], row["module_id"]): row["latest"]
            for row in Attempt.objects.filter(
                user_id__in={user_id for _c, user_id, _r, _cf in to_check},
                module_id__in={m for ids in by_req.values() for m in ids},
                kind__in=COUNTED_KINDS,
            )
            .values("user_id", "module_id")
            .annotate(latest=Max("started_at"))
            .order_by()
        }
        for cell, user_id, req_id, cf in to_check:
            times = [latest[(user_id, m)] for m in by_req[req_id] if (user_id, m) in latest]
            if _started(times, cf):
                cell.status = Status.IN_PROGRESS
    return rows


def unit_matrix_page(
    *,
    unit: Unit,
    ctx: Context,
    filters: MatrixFilters,
    columns: list[Requirement],
    page_number: int | str | None = 1,
    per_page: int = 50,
) -> MatrixPage:
    """One page of the unit's staff x requirement matrix (`columns` from `unit_columns`).
    A fixed number of queries."""
    if filters.requirement:
        columns = [r for r in columns if r.pk == filters.requirement]
    paginator = Paginator(staff_queryset(unit=unit, filters=filters, ctx=ctx), per_page)
    page = paginator.get_page(page_number)
    profiles = list(page.object_list)
    total = (
        paginator.count
        if not filters.active
        else StaffProfile.objects.filter(unit=unit, active=True).count()
    )
    return MatrixPage(
        unit=unit,
        requirements=columns,
        rows=_cells(profiles, columns, ctx),
        page=page,
        total_staff=total,
    )


def _batched(iterable, size):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def matrix_rows(
    *,
    staff: QuerySet[StaffProfile],
    columns: list[Requirement],
    ctx: Context,
    batch_size: int = 1000,
) -> Iterator[Row]:
    """Every row of a matrix, for exports: the staff in batches, memory flat."""
    for batch in _batched(staff.iterator(chunk_size=batch_size), batch_size):
        yield from _cells(batch, columns, ctx)


def organisation_columns(*, units: QuerySet[Unit]) -> list[Requirement]:
    """The requirements someone active in these units holds, in catalogue order."""
    return _in_catalogue_order(list(_requirements().filter(_held_in(units.values("pk")))))


# --- one person ---------------------------------------------------------------------------


@dataclass
class Transcript:
    profile: StaffProfile
    requirements: list[tuple[Requirement, Cell]]
    completions: list[Completion]  # newest first, with .certificate where issued
    attempts: list[Attempt]  # newest first, graded and open


def transcript(*, user_id: int, viewer, ctx: Context) -> Transcript | None:
    """A person's training record as their manager or an education lead sees it, or None when
    the viewer may not see this person (another unit's). A fixed number of queries."""
    profile = (
        StaffProfile.objects.select_related("user", "role", "unit").filter(user_id=user_id).first()
    )
    if profile is None:
        return None
    if (
        not access.can_view_all_units(viewer)
        and not access.reportable_units(viewer).filter(pk=profile.unit_id).exists()
    ):
        return None
    requirements = _in_catalogue_order(
        list(
            _requirements()
            .filter(assignments__user_id=user_id, assignments__current=True)
            .distinct()
        )
    )
    [row] = _cells([profile], requirements, ctx) if requirements else [Row(profile, [])]
    completions = list(
        Completion.objects.filter(user_id=user_id)
        .select_related("module", "attempt", "certificate")
        .order_by("-completed_at")
    )
    latest: dict[int, datetime.date] = {}
    for c in completions:  # newest first
        latest.setdefault(c.module_id, c.completed_on)
    for requirement, cell in zip(requirements, row.cells, strict=True):
        # A renewal cycle holds the completion it renews: show when that was.
        if cell.completed_on is None and cell.status == Status.COMPLETED:
            dates = [latest.get(m) for m in requirement.module_ids]
            if dates and None not in dates:
                cell.completed_on = min(dates)
    pairs = list(zip(requirements, row.cells, strict=True))
    pairs.sort(key=lambda p: ORDER.index(p[1].status) if p[1].status else len(ORDER))
    attempts = list(
        Attempt.objects.filter(user_id=user_id, kind__in=COUNTED_KINDS)
        .select_related("module")
        .defer("questions", "answers", "rules")
        .order_by("-started_at")
    )
    return Transcript(
        profile=profile, requirements=pairs, completions=completions, attempts=attempts
    )
