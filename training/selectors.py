"""Every read that builds a learner or manager screen.

Each selector returns plain data in a fixed number of SQL queries, whatever the number of
staff, units or modules.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Min, QuerySet

from modules.models import TrainingModulePage

from . import access
from .models import Attempt, Completion, ModuleRequirement, StaffProfile, Status, Unit


def assignment_status(
    *,
    due_date: datetime.date,
    completed_on: datetime.date | None,
    started: bool,
    today: datetime.date,
) -> Status:
    if completed_on is not None:
        return Status.PASSED
    if today > due_date:
        return Status.OVERDUE
    return Status.IN_PROGRESS if started else Status.NOT_STARTED


@dataclass(frozen=True)
class _Req:
    module_id: int
    role_ids: frozenset[int]
    unit_ids: frozenset[int]  # empty: every unit
    due_days: int
    effective_from: datetime.date

    def applies_to(self, role_id: int, unit_id: int) -> bool:
        return role_id in self.role_ids and (not self.unit_ids or unit_id in self.unit_ids)

    def due_date_for(self, start_date: datetime.date) -> datetime.date:
        return max(start_date, self.effective_from) + datetime.timedelta(days=self.due_days)


def _live_requirements() -> tuple[list[_Req], dict[int, TrainingModulePage]]:
    """All requirements on published modules, with their modules (3 queries)."""
    reqs = (
        ModuleRequirement.objects.filter(module__live=True)
        .select_related("module")
        .prefetch_related("roles", "units")
    )
    modules: dict[int, TrainingModulePage] = {}
    out = []
    for r in reqs:
        modules[r.module_id] = r.module
        out.append(
            _Req(
                module_id=r.module_id,
                role_ids=frozenset(x.pk for x in r.roles.all()),
                unit_ids=frozenset(x.pk for x in r.units.all()),
                due_days=r.due_days,
                effective_from=r.effective_from,
            )
        )
    return out, modules


def _due_dates(
    reqs: Iterable[_Req], *, role_id: int, unit_id: int, start_date: datetime.date
) -> dict[int, datetime.date]:
    """Module id -> earliest due date for a person with this role, unit and start date."""
    due: dict[int, datetime.date] = {}
    for r in reqs:
        if r.applies_to(role_id, unit_id):
            d = r.due_date_for(start_date)
            if r.module_id not in due or d < due[r.module_id]:
                due[r.module_id] = d
    return due


@dataclass
class DashboardRow:
    module: TrainingModulePage
    due_date: datetime.date
    status: Status
    completed_on: datetime.date | None
    completion_id: int | None
    attempt_in_progress_id: int | None


@dataclass
class LearnerDashboard:
    profile: StaffProfile | None
    rows: list[DashboardRow]
    counts: dict[str, int]


def learner_dashboard(*, user, today: datetime.date) -> LearnerDashboard:
    """My required modules with due date and status. Fixed queries (6)."""
    profile = access.staff_profile(user)
    if profile is None:
        return LearnerDashboard(profile=None, rows=[], counts={})
    reqs, modules = _live_requirements()
    due = _due_dates(
        reqs, role_id=profile.role_id, unit_id=profile.unit_id, start_date=profile.start_date
    )
    completions = {
        c.module_id: c for c in Completion.objects.filter(user=user, module_id__in=due.keys())
    }
    attempts: dict[int, int | None] = {}
    for a in Attempt.objects.filter(user=user, module_id__in=due.keys()).values(
        "id", "module_id", "submitted_at"
    ):
        attempts.setdefault(a["module_id"], None)
        if a["submitted_at"] is None:
            attempts[a["module_id"]] = a["id"]
    rows = []
    for module_id, due_date in due.items():
        completion = completions.get(module_id)
        rows.append(
            DashboardRow(
                module=modules[module_id],
                due_date=due_date,
                status=assignment_status(
                    due_date=due_date,
                    completed_on=completion.completed_on if completion else None,
                    started=module_id in attempts,
                    today=today,
                ),
                completed_on=completion.completed_on if completion else None,
                completion_id=completion.pk if completion else None,
                attempt_in_progress_id=attempts.get(module_id),
            )
        )
    order = {Status.OVERDUE: 0, Status.IN_PROGRESS: 1, Status.NOT_STARTED: 2, Status.PASSED: 3}
    rows.sort(key=lambda r: (order[r.status], r.due_date, r.module.title))
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r.status.value] += 1
    return LearnerDashboard(profile=profile, rows=rows, counts=dict(counts))


@dataclass
class MatrixCell:
    status: Status | None  # None: not required for this person
    due_date: datetime.date | None = None
    completed_on: datetime.date | None = None


@dataclass
class MatrixRow:
    profile: StaffProfile
    cells: list[MatrixCell]


@dataclass
class Tally:
    passed: int = 0
    required: int = 0

    @property
    def percent(self) -> int | None:
        return None if not self.required else (self.passed * 100) // self.required


@dataclass
class UnitMatrix:
    unit: Unit
    modules: list[TrainingModulePage]
    rows: list[MatrixRow]
    overall: Tally = field(default_factory=Tally)
    by_role: dict[str, Tally] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)


def unit_matrices(*, units: QuerySet[Unit], today: datetime.date) -> list[UnitMatrix]:
    """Staff x required-module matrix for each unit, with % complete overall and per role.

    Fixed queries (7) whatever the number of units, staff and modules.
    """
    unit_list = list(units.order_by("name"))
    unit_ids = [u.pk for u in unit_list]
    profiles = list(
        StaffProfile.objects.filter(unit_id__in=unit_ids, active=True)
        .select_related("user", "role")
        .order_by("user__last_name", "user__first_name", "employee_id")
    )
    reqs, modules = _live_requirements()
    completed: dict[tuple[int, int], datetime.date] = {
        (c["user_id"], c["module_id"]): c["first"]
        for c in Completion.objects.filter(user__staff_profile__unit_id__in=unit_ids)
        .values("user_id", "module_id")
        .annotate(first=Min("completed_on"))
    }
    started = set(
        Attempt.objects.filter(user__staff_profile__unit_id__in=unit_ids)
        .values_list("user_id", "module_id")
        .distinct()
    )
    by_unit: dict[int, list[StaffProfile]] = defaultdict(list)
    for p in profiles:
        by_unit[p.unit_id].append(p)

    matrices = []
    for unit in unit_list:
        staff = by_unit.get(unit.pk, [])
        person_due = {
            p.pk: _due_dates(reqs, role_id=p.role_id, unit_id=unit.pk, start_date=p.start_date)
            for p in staff
        }
        module_ids = {m for due in person_due.values() for m in due}
        columns = sorted((modules[m] for m in module_ids), key=lambda m: m.path)  # catalogue order
        matrix = UnitMatrix(unit=unit, modules=columns, rows=[])
        by_status: dict[str, int] = defaultdict(int)
        for p in staff:
            cells = []
            role_tally = matrix.by_role.setdefault(p.role.name, Tally())
            for module in columns:
                due_date = person_due[p.pk].get(module.pk)
                if due_date is None:
                    cells.append(MatrixCell(status=None))
                    continue
                completed_on = completed.get((p.user_id, module.pk))
                status = assignment_status(
                    due_date=due_date,
                    completed_on=completed_on,
                    started=(p.user_id, module.pk) in started,
                    today=today,
                )
                cells.append(
                    MatrixCell(status=status, due_date=due_date, completed_on=completed_on)
                )
                by_status[status.value] += 1
                for tally in (matrix.overall, role_tally):
                    tally.required += 1
                    tally.passed += status == Status.PASSED
            matrix.rows.append(MatrixRow(profile=p, cells=cells))
        matrix.by_role = dict(sorted(matrix.by_role.items()))
        matrix.by_status = dict(by_status)
        matrices.append(matrix)
    return matrices


@dataclass
class ModuleProgress:
    is_staff: bool
    required: bool = False
    due_date: datetime.date | None = None
    status: Status | None = None
    completion: Completion | None = None
    attempt_in_progress_id: int | None = None
    pretest_done: bool = False
    pretest_in_progress_id: int | None = None
    attempts_used: int = 0


def module_progress(*, user, module_id: int, today: datetime.date) -> ModuleProgress:
    """The learner's standing on one module, for the module page. Fixed queries (6)."""
    profile = access.staff_profile(user)
    if profile is None:
        return ModuleProgress(is_staff=False)
    reqs, _ = _live_requirements()
    due_date = _due_dates(
        reqs, role_id=profile.role_id, unit_id=profile.unit_id, start_date=profile.start_date
    ).get(module_id)
    completion = Completion.objects.filter(user=user, module_id=module_id).first()
    attempts = list(
        Attempt.objects.filter(user=user, module_id=module_id).values("id", "kind", "submitted_at")
    )
    post = [a for a in attempts if a["kind"] == Attempt.Kind.POST]
    pre = [a for a in attempts if a["kind"] == Attempt.Kind.PRE]
    status = None
    if due_date is not None or completion is not None:
        status = assignment_status(
            due_date=due_date or today,
            completed_on=completion.completed_on if completion else None,
            started=bool(attempts),
            today=today,
        )
    return ModuleProgress(
        is_staff=True,
        required=due_date is not None,
        due_date=due_date,
        status=status,
        completion=completion,
        attempt_in_progress_id=next((a["id"] for a in post if a["submitted_at"] is None), None),
        pretest_done=any(a["submitted_at"] for a in pre),
        pretest_in_progress_id=next((a["id"] for a in pre if a["submitted_at"] is None), None),
        attempts_used=sum(1 for a in post if a["submitted_at"]),
    )


@dataclass(frozen=True)
class PrePostPair:
    user_id: int
    revision_id: int
    pre_score: int
    post_score: int
    pre_confidence: dict | None
    post_confidence: dict | None


def pre_post_pairs(*, module_id: int) -> list[PrePostPair]:
    """Each learner's pre-test paired with their first graded quiz on the same revision.

    One query. Learners without both, or whose pre-test and quiz came from different
    revisions of the module, are left out (their questions were not drawn from the same pool).
    """
    rows = (
        Attempt.objects.filter(module_id=module_id, submitted_at__isnull=False)
        .order_by("submitted_at", "pk")
        .values(
            "user_id",
            "revision_id",
            "kind",
            "score_percent",
            "confidence",
            "started_at",
            "submitted_at",
        )
    )
    pre: dict[tuple[int, int], dict] = {}
    post: dict[tuple[int, int], dict] = {}
    for row in rows:
        key = (row["user_id"], row["revision_id"])
        (pre if row["kind"] == Attempt.Kind.PRE else post).setdefault(key, row)
    # A pre-test is only a baseline if it was finished before the quiz began.
    pre = {k: v for k, v in pre.items() if k in post and v["submitted_at"] <= post[k]["started_at"]}
    return [
        PrePostPair(
            user_id=key[0],
            revision_id=key[1],
            pre_score=pre[key]["score_percent"],
            post_score=post[key]["score_percent"],
            pre_confidence=pre[key]["confidence"],
            post_confidence=post[key]["confidence"],
        )
        for key in sorted(pre.keys() & post.keys())
    ]
