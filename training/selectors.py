"""Every read that builds a learner or manager screen.

Each selector returns plain data in a fixed number of SQL queries, whatever the number of
staff, units or modules.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from cms.models import OrganisationSettings
from modules.models import TrainingModulePage

from . import access, schedule
from .models import (
    Assignment,
    Attempt,
    Completion,
    ModuleSet,
    Requirement,
    StaffProfile,
    Status,
    Unit,
)


def due_soon_days() -> int:
    """The site's "due soon" window (one query; settings are per site)."""
    return OrganisationSettings.for_default_site().due_soon_days


def _module_ids_by_requirement(requirement_ids) -> dict[int, list[int]]:
    """Requirement id -> its published module ids in catalogue order, the requirements in the
    catalogue order of their first module (one query)."""
    out: dict[int, list[int]] = defaultdict(list)
    single = Requirement.objects.filter(
        pk__in=requirement_ids, module__isnull=False, module__live=True
    ).values_list("pk", "module_id", "module__path")
    via_set = ModuleSet.modules.through.objects.filter(
        moduleset__requirements__in=requirement_ids, trainingmodulepage__live=True
    ).values_list("moduleset__requirements", "trainingmodulepage_id", "trainingmodulepage__path")
    for req_id, module_id, _path in sorted([*single, *via_set], key=lambda x: x[2]):
        out[req_id].append(module_id)
    return out


def _started(attempts, counts_from) -> bool:
    return any(counts_from is None or started > counts_from for started in attempts)


@dataclass
class DashboardRow:
    assignment: Assignment
    requirement: Requirement
    modules: list[TrainingModulePage]
    status: Status
    due_date: datetime.date
    completed_on: datetime.date | None
    valid_until: datetime.date | None
    completion_id: int | None
    attempt_in_progress_id: int | None

    @property
    def module(self) -> TrainingModulePage | None:
        return self.modules[0] if self.modules else None


@dataclass
class LearnerDashboard:
    profile: StaffProfile | None
    rows: list[DashboardRow]
    counts: dict[str, int]  # status -> number of rows

    @property
    def summary(self) -> dict[str, int]:
        c = self.counts
        return {
            "overdue": c.get(Status.OVERDUE, 0) + c.get(Status.EXPIRED, 0),
            "due_soon": c.get(Status.DUE_SOON, 0),
            "to_do": c.get(Status.NOT_STARTED, 0) + c.get(Status.IN_PROGRESS, 0),
            "completed": c.get(Status.COMPLETED, 0),
            "exempt": c.get(Status.EXEMPT, 0),
        }


ORDER = [
    Status.OVERDUE,
    Status.EXPIRED,
    Status.DUE_SOON,
    Status.IN_PROGRESS,
    Status.NOT_STARTED,
    Status.COMPLETED,
    Status.EXEMPT,
]


def learner_dashboard(*, user, today: datetime.date) -> LearnerDashboard:
    """My current assignments with due date and status, most urgent first. Fixed queries."""
    profile = access.staff_profile(user)
    if profile is None:
        return LearnerDashboard(profile=None, rows=[], counts={})
    window = due_soon_days()
    assignments = list(
        Assignment.objects.filter(user=user, current=True).select_related(
            "requirement", "requirement__module", "requirement__module_set"
        )
    )
    by_req = _module_ids_by_requirement([a.requirement_id for a in assignments])
    module_ids = {m for ids in by_req.values() for m in ids}
    modules = TrainingModulePage.objects.in_bulk(module_ids)
    attempts: dict[int, list[datetime.datetime]] = defaultdict(list)
    open_attempt: dict[int, int] = {}
    for a in Attempt.objects.filter(user=user, module_id__in=module_ids).values(
        "id", "module_id", "kind", "started_at", "submitted_at"
    ):
        attempts[a["module_id"]].append(a["started_at"])
        if a["submitted_at"] is None and a["kind"] == Attempt.Kind.POST:
            open_attempt[a["module_id"]] = a["id"]
    rows = []
    for assignment in assignments:
        ids = by_req.get(assignment.requirement_id, [])
        started = _started([t for m in ids for t in attempts.get(m, ())], assignment.counts_from)
        status = Status(assignment.status_on(today, due_soon_days=window, started=started))
        rows.append(
            DashboardRow(
                assignment=assignment,
                requirement=assignment.requirement,
                modules=[modules[m] for m in ids if m in modules],
                status=status,
                due_date=assignment.due_date,
                completed_on=assignment.completed_on,
                valid_until=assignment.valid_until or assignment.renews_until,
                completion_id=assignment.completion_id,
                attempt_in_progress_id=next(
                    (open_attempt[m] for m in ids if m in open_attempt), None
                ),
            )
        )
    rows.sort(key=lambda r: (ORDER.index(r.status), r.due_date, r.requirement.title))
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r.status.value] += 1
    return LearnerDashboard(profile=profile, rows=rows, counts=dict(counts))


@dataclass
class MatrixCell:
    status: Status | None  # None: not required for this person
    due_date: datetime.date | None = None
    completed_on: datetime.date | None = None
    valid_until: datetime.date | None = None
    assignment_id: int | None = None


@dataclass
class MatrixRow:
    profile: StaffProfile
    cells: list[MatrixCell]


@dataclass
class Tally:
    passed: int = 0  # compliant: holding a valid completion
    required: int = 0  # assigned and not exempt

    @property
    def percent(self) -> int | None:
        return None if not self.required else (self.passed * 100) // self.required


@dataclass
class UnitMatrix:
    unit: Unit
    requirements: list[Requirement]
    rows: list[MatrixRow]
    overall: Tally = field(default_factory=Tally)
    by_role: dict[str, Tally] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def modules(self) -> list[Requirement]:  # the columns, under their older name
        return self.requirements


def unit_matrices(*, units: QuerySet[Unit], today: datetime.date) -> list[UnitMatrix]:
    """Staff x requirement matrix for each unit, with % compliant overall and per role.

    Fixed queries whatever the number of units, staff and requirements. Deactivated staff
    are left out (their records stay). Columns are the requirements someone in the unit
    holds, in the catalogue order of their (first) module.
    """
    window = due_soon_days()
    unit_list = list(units.order_by("name"))
    unit_ids = [u.pk for u in unit_list]
    profiles = list(
        StaffProfile.objects.filter(unit_id__in=unit_ids, active=True)
        .select_related("user", "role")
        .order_by("user__last_name", "user__first_name", "employee_id")
    )
    in_units = StaffProfile.objects.filter(unit_id__in=unit_ids, active=True).values("user_id")
    assignments = list(
        Assignment.objects.filter(current=True, user_id__in=in_units).select_related(
            "requirement", "requirement__module", "requirement__module_set"
        )
    )
    by_req = _module_ids_by_requirement({a.requirement_id for a in assignments})
    started: dict[tuple[int, int], list[datetime.datetime]] = defaultdict(list)
    for user_id, module_id, when in Attempt.objects.filter(user_id__in=in_units).values_list(
        "user_id", "module_id", "started_at"
    ):
        started[(user_id, module_id)].append(when)
    held: dict[int, dict[int, Assignment]] = defaultdict(dict)
    for a in assignments:
        held[a.user_id][a.requirement_id] = a
    by_unit: dict[int, list[StaffProfile]] = defaultdict(list)
    for p in profiles:
        by_unit[p.unit_id].append(p)

    matrices = []
    for unit in unit_list:
        staff = by_unit.get(unit.pk, [])
        rank = {req_id: i for i, req_id in enumerate(by_req)}  # catalogue order
        columns = sorted(
            {
                a.requirement_id: a.requirement for p in staff for a in held[p.user_id].values()
            }.values(),
            key=lambda r: (rank.get(r.pk, len(rank)), r.title.lower(), r.pk),
        )
        matrix = UnitMatrix(unit=unit, requirements=columns, rows=[])
        by_status: dict[str, int] = defaultdict(int)
        for p in staff:
            cells = []
            role_tally = matrix.by_role.setdefault(p.role.name, Tally())
            for requirement in columns:
                a = held[p.user_id].get(requirement.pk)
                if a is None:
                    cells.append(MatrixCell(status=None))
                    continue
                times = [t for m in by_req.get(requirement.pk, ()) for t in started[(p.user_id, m)]]
                status = Status(
                    a.status_on(today, due_soon_days=window, started=_started(times, a.counts_from))
                )
                cells.append(
                    MatrixCell(
                        status=status,
                        due_date=a.due_date,
                        completed_on=a.completed_on,
                        valid_until=a.valid_until or a.renews_until,
                        assignment_id=a.pk,
                    )
                )
                by_status[status.value] += 1
                if status != Status.EXEMPT:
                    for tally in (matrix.overall, role_tally):
                        tally.required += 1
                        tally.passed += schedule.is_compliant(status, renewal=a.renewal)
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
    valid_until: datetime.date | None = None
    renewal_open: bool = False
    renewal_opens_on: datetime.date | None = None
    attempt_in_progress_id: int | None = None
    pretest_done: bool = False
    pretest_in_progress_id: int | None = None
    attempts_used: int = 0


@dataclass(frozen=True)
class Renewal:
    """Whether a completion of this module would count toward a requirement now."""

    open: bool  # taking the quiz again now counts
    opens_on: datetime.date | None  # when it will (a renewal before its window)
    valid_until: datetime.date | None  # the completion in force is valid until


def renewal(*, user, module_id: int, today: datetime.date, window: int | None = None) -> Renewal:
    """Can the learner complete this module (again) toward a requirement? Fixed queries.

    Yes when a current, uncompleted assignment needs this module (no completion of it
    since the cycle began) and, for a renewal, its due-soon window has opened.
    """
    window = due_soon_days() if window is None else window
    rows = list(
        Assignment.objects.filter(
            Q(requirement__module_id=module_id) | Q(requirement__module_set__modules=module_id),
            user=user,
            current=True,
            completed_on__isnull=True,
            requirement__active=True,
        ).distinct()
    )
    done = list(
        Completion.objects.filter(user=user, module_id=module_id).values_list(
            "completed_at", flat=True
        )
    )
    opens_on = valid_until = None
    for row in rows:
        if any(row.counts_from is None or t > row.counts_from for t in done):
            continue  # this module is already done for the cycle (a set waits for others)
        if row.renews_until is None:
            return Renewal(open=True, opens_on=None, valid_until=None)
        start = row.due_date - datetime.timedelta(days=window)
        if today >= start:
            return Renewal(open=True, opens_on=None, valid_until=row.renews_until)
        if opens_on is None or start < opens_on:
            opens_on, valid_until = start, row.renews_until
    return Renewal(open=False, opens_on=opens_on, valid_until=valid_until)


def module_progress(*, user, module_id: int, today: datetime.date) -> ModuleProgress:
    """The learner's standing on one module, for the module page. Fixed queries."""
    profile = access.staff_profile(user)
    if profile is None:
        return ModuleProgress(is_staff=False)
    window = due_soon_days()
    completion = Completion.objects.filter(user=user, module_id=module_id).first()  # latest
    attempts = list(
        Attempt.objects.filter(user=user, module_id=module_id).values(
            "id", "kind", "started_at", "submitted_at"
        )
    )
    assignment = (
        Assignment.objects.filter(
            Q(requirement__module_id=module_id) | Q(requirement__module_set__modules=module_id),
            user=user,
            current=True,
        )
        .select_related("requirement")
        .order_by("completed_on", "due_on")
        .first()
    )
    again = renewal(user=user, module_id=module_id, today=today, window=window)
    post = [a for a in attempts if a["kind"] == Attempt.Kind.POST]
    pre = [a for a in attempts if a["kind"] == Attempt.Kind.PRE]
    status = None
    if assignment is not None:
        started = _started([a["started_at"] for a in attempts], assignment.counts_from)
        status = Status(assignment.status_on(today, due_soon_days=window, started=started))
    counts_from = assignment.counts_from if assignment and again.open else None
    return ModuleProgress(
        is_staff=True,
        required=assignment is not None,
        due_date=assignment.due_date if assignment else None,
        status=status,
        completion=None if again.open and again.valid_until is None else completion,
        valid_until=(assignment.valid_until or assignment.renews_until) if assignment else None,
        renewal_open=again.open and completion is not None,
        renewal_opens_on=again.opens_on,
        attempt_in_progress_id=next((a["id"] for a in post if a["submitted_at"] is None), None),
        pretest_done=any(a["submitted_at"] for a in pre),
        pretest_in_progress_id=next((a["id"] for a in pre if a["submitted_at"] is None), None),
        attempts_used=sum(
            1
            for a in post
            if a["submitted_at"] and (counts_from is None or a["started_at"] > counts_from)
        ),
    )


@dataclass
class AssignmentDetail:
    assignment: Assignment
    profile: StaffProfile
    requirement: Requirement
    modules: list[TrainingModulePage]
    status: Status
    can_manage: bool
    cycles: list[Assignment]  # every cycle of this person under this requirement, newest first
    history: list  # HistoricalAssignment records of those cycles, newest first


def assignment_detail(
    *, assignment_id: int, viewer, today: datetime.date
) -> AssignmentDetail | None:
    """One person's assignment as their manager sees it, or None if the viewer may not see
    it (a manager of another unit). Fixed queries."""
    assignment = (
        Assignment.objects.select_related(
            "requirement", "requirement__module", "requirement__module_set"
        )
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None:
        return None
    profile = (
        StaffProfile.objects.select_related("user", "role", "unit")
        .filter(user_id=assignment.user_id)
        .first()
    )
    if profile is None:
        return None
    if (
        not access.can_view_all_units(viewer)
        and not Unit.objects.filter(pk=profile.unit_id, managers=viewer).exists()
    ):
        return None
    ids = _module_ids_by_requirement([assignment.requirement_id]).get(assignment.requirement_id, [])
    modules = TrainingModulePage.objects.in_bulk(ids)
    times = list(
        Attempt.objects.filter(user_id=assignment.user_id, module_id__in=ids).values_list(
            "started_at", flat=True
        )
    )
    status = Status(
        assignment.status_on(
            today, due_soon_days=due_soon_days(), started=_started(times, assignment.counts_from)
        )
    )
    mine = Assignment.objects.filter(
        user_id=assignment.user_id, requirement_id=assignment.requirement_id
    )
    history = list(
        Assignment.history.filter(
            user_id=assignment.user_id, requirement_id=assignment.requirement_id
        )
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )
    return AssignmentDetail(
        assignment=assignment,
        profile=profile,
        requirement=assignment.requirement,
        modules=[modules[m] for m in ids if m in modules],
        status=status,
        can_manage=assignment.current and access.can_manage_assignment(viewer, assignment),
        cycles=list(mine.order_by("-cycle")),
        history=history,
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
