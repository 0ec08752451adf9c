"""Every read that builds a learner or manager screen.

Each selector returns plain data in a fixed number of SQL queries, whatever the number of
staff, units or modules.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from cms.models import OrganisationSettings
from modules.grading import review_level
from modules.models import TrainingModulePage

from . import access
from .models import (
    Assignment,
    Attempt,
    Completion,
    LessonProgress,
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


# Attempts that count as starting a module: practice rounds never change anyone's status.
COUNTED_KINDS = (Attempt.Kind.PRE, Attempt.Kind.POST)


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
    # module id -> the lesson to resume (1-based), for modules whose lessons are under way
    lessons_in_progress: dict[int, int] = field(default_factory=dict)

    @property
    def module(self) -> TrainingModulePage | None:
        return self.modules[0] if self.modules else None

    @property
    def resume_lesson(self) -> int | None:
        """The lesson to resume in the requirement's single module, if under way."""
        module = self.module
        if module is None or len(self.modules) != 1:
            return None
        return self.lessons_in_progress.get(module.pk)

    @property
    def module_lessons(self) -> list[tuple[TrainingModulePage, int | None]]:
        """Each module with the lesson to resume in it (None: not under way)."""
        return [(m, self.lessons_in_progress.get(m.pk)) for m in self.modules]


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
    for a in Attempt.objects.filter(
        user=user, module_id__in=module_ids, kind__in=COUNTED_KINDS
    ).values("id", "module_id", "kind", "started_at", "submitted_at"):
        attempts[a["module_id"]].append(a["started_at"])
        if a["submitted_at"] is None and a["kind"] == Attempt.Kind.POST:
            open_attempt[a["module_id"]] = a["id"]
    resume = {
        p["module_id"]: p["current"]
        for p in LessonProgress.objects.filter(user=user, module_id__in=module_ids).values(
            "module_id", "current"
        )
    }
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
                lessons_in_progress={
                    m: min(resume[m], _lesson_count(modules[m]))
                    for m in ids
                    if m in resume and m in modules and _lesson_count(modules[m])
                },
            )
        )
    rows.sort(key=lambda r: (ORDER.index(r.status), r.due_date, r.requirement.title))
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r.status.value] += 1
    return LearnerDashboard(profile=profile, rows=rows, counts=dict(counts))


def _lesson_count(module: TrainingModulePage) -> int:
    return len(module.lessons.raw_data)


@dataclass(frozen=True)
class LessonStep:
    number: int
    title: str
    state: str  # "done" (read), "current" (where the learner is) or "to_do"
    minutes: float  # this lesson's share of the module's estimated time

    @property
    def whole_minutes(self) -> int:
        return max(1, round(self.minutes))

    @property
    def done(self) -> bool:
        return self.state == "done"

    @property
    def is_current(self) -> bool:
        return self.state == "current"


@dataclass
class LessonOverview:
    """A module's lessons as one learner stands in them (the module page's lesson list)."""

    is_learner: bool  # a staff member: lessons open one at a time and their place is kept
    steps: list[LessonStep]
    current: int | None = None  # the lesson to resume; None: not started
    furthest: int | None = None

    @property
    def resume(self) -> LessonStep | None:
        return self.steps[self.current - 1] if self.current else None

    @property
    def first(self) -> LessonStep | None:
        return self.steps[0] if self.steps else None


def lesson_steps(
    module: TrainingModulePage, *, current: int | None, furthest: int | None
) -> list[LessonStep]:
    """The module's lessons marked current (where the learner is), read (every lesson before
    the furthest one reached), or still to do. No queries."""
    minutes, _quiz = module.time_plan()
    steps = []
    for number, title in enumerate(module.lesson_titles(), start=1):
        if number == current:
            state = "current"
        elif furthest and number < furthest:
            state = "done"
        else:
            state = "to_do"
        steps.append(LessonStep(number, title, state, minutes[number - 1]))
    return steps


def lesson_overview(*, user, module: TrainingModulePage) -> LessonOverview:
    """The learner's place in a module's lessons, clamped to the lessons the module has now
    (its lessons may have been edited since). At most two queries."""
    profile = access.staff_profile(user)
    if profile is None or not module.pk:
        return LessonOverview(
            is_learner=False, steps=lesson_steps(module, current=None, furthest=None)
        )
    count = _lesson_count(module)
    row = (
        LessonProgress.objects.filter(user=user, module_id=module.pk)
        .values("current", "furthest")
        .first()
    )
    current = min(row["current"], count) if row and count else None
    furthest = min(row["furthest"], count) if row and count else None
    return LessonOverview(
        is_learner=True,
        steps=lesson_steps(module, current=current, furthest=furthest),
        current=current,
        furthest=furthest,
    )


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
    practice_in_progress_id: int | None = None
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
    practice = [a for a in attempts if a["kind"] == Attempt.Kind.PRACTICE]
    status = None
    if assignment is not None:
        counted = [a["started_at"] for a in attempts if a["kind"] in COUNTED_KINDS]
        started = _started(counted, assignment.counts_from)
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
        practice_in_progress_id=next(
            (a["id"] for a in practice if a["submitted_at"] is None), None
        ),
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
        Attempt.objects.filter(
            user_id=assignment.user_id, module_id__in=ids, kind__in=COUNTED_KINDS
        ).values_list("started_at", flat=True)
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


def attempt_review_level(attempt: Attempt) -> str:
    """How much of a graded attempt's review its learner may see (one or two queries).

    Pre-tests and quizzes follow `grading.review_level`. A practice round draws on the quiz's
    own pool and can be repeated without limit, so until the learner has passed the quiz it
    shows the score only (any review per question would give the answer key away over a few
    rounds); after a pass, what the module's review after a pass allows, which they have seen.
    """
    if attempt.kind != Attempt.Kind.PRACTICE:
        return review_level(kind=attempt.kind, passed=attempt.passed, rules=attempt.rules)
    if not Completion.objects.filter(user_id=attempt.user_id, module_id=attempt.module_id).exists():
        return "score"
    return review_level(kind=Attempt.Kind.POST, passed=True, rules=attempt.rules)


def attempt_saved_at(attempt_id: int):
    """When an attempt's answers were last written (its latest history record), or None."""
    return (
        Attempt.history.filter(id=attempt_id)
        .order_by("-history_date")
        .values_list("history_date", flat=True)
        .first()
    )
