"""The assignment engine: from requirements, people and completions to assignment rows.

`load` reads everything a sync needs in a fixed number of queries (whatever the number of
staff or requirements); `plan` works out, in memory, which assignment rows to create and
which to change; training.services.assignments_sync writes the plan in bulk, with history.

For each person and requirement:

- Not in the audience (inactive, another role or unit, requirement retired, no published
  module): the current assignment stops being current; an open one is ended with a reason.
  Completed cycles stay as the record.
- In the audience with no current assignment: a new cycle opens. Its first due date follows
  the schedule (training/schedule.py).
- An open cycle whose modules all have a completion after `counts_from` is completed by
  them. A one-time requirement stays completed. A recurring or annual one opens the next
  cycle at once, counting from the completion: it renews until the completion stops being
  valid, and is due then. A run of old completions completes one cycle each.
- An open cycle's due date follows schedule changes (days to complete, interval, annual
  date, grace). A requirement's frequency cannot change once it has assignments.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Max
from django.utils.translation import gettext_noop

from . import schedule
from .models import Assignment, Completion, ModuleSet, Requirement, StaffProfile

# Why an assignment ended. Stored in English on the row (Assignment.end_reason), so marked
# with gettext_noop: the catalogue holds them, and a page translates the stored text when it
# shows it (`{% translate assignment.end_reason %}`).
END_INACTIVE = gettext_noop("Staff member deactivated")
END_AUDIENCE = gettext_noop("No longer in the requirement's audience (role or unit changed)")
END_RETIRED = gettext_noop("Requirement retired")
END_NO_MODULE = gettext_noop("Module retired (unpublished)")


@dataclass(frozen=True)
class Person:
    user_id: int
    role_id: int
    unit_id: int
    start_date: datetime.date
    active: bool


@dataclass(frozen=True)
class Req:
    pk: int
    active: bool
    module_ids: frozenset[int]  # published modules only
    role_ids: frozenset[int]
    unit_ids: frozenset[int]
    schedule: schedule.Schedule

    def end_reason(self, person: Person) -> str | None:
        """Why this person is not in the audience, or None if they are."""
        if not person.active:
            return END_INACTIVE
        if not self.active:
            return END_RETIRED
        if not self.module_ids:
            return END_NO_MODULE
        if self.role_ids and person.role_id not in self.role_ids:
            return END_AUDIENCE
        if self.unit_ids and person.unit_id not in self.unit_ids:
            return END_AUDIENCE
        if not self.role_ids and not self.unit_ids:
            return END_AUDIENCE  # an audience must be chosen; never "everyone" by accident
        return None


@dataclass(frozen=True)
class Done:
    """A completion, as the engine sees it."""

    pk: int
    completed_at: datetime.datetime
    completed_on: datetime.date


@dataclass
class Snapshot:
    """What a sync reads: people, requirements, completions and assignment rows in scope."""

    people: list[Person]
    reqs: list[Req]
    # user id -> module id -> completions, oldest first
    completions: dict[int, dict[int, list[Done]]]
    current: dict[tuple[int, int], Assignment]  # (user id, requirement id) -> current row
    last_cycle: dict[tuple[int, int], int]


@dataclass
class Plan:
    creates: list[Assignment] = field(default_factory=list)
    updates: dict[int, Assignment] = field(default_factory=dict)  # pk -> changed row
    fields: set[str] = field(default_factory=set)
    ended: int = 0
    completed: int = 0

    @property
    def empty(self) -> bool:
        return not self.creates and not self.updates


def load(
    *,
    user_ids: list[int] | None = None,
    requirement_ids: list[int] | None = None,
    for_update: bool = False,
) -> Snapshot:
    """Read a sync's inputs in 8 queries (7 without a user scope lock)."""
    profiles = StaffProfile.objects.all()
    if user_ids is not None:
        profiles = profiles.filter(user_id__in=user_ids)
        if for_update:
            # Two syncs of the same person (a completion and an HR import, say) take turns.
            list(profiles.select_for_update().values_list("pk", flat=True))
    people = [
        Person(p["user_id"], p["role_id"], p["unit_id"], p["start_date"], p["active"])
        for p in profiles.values("user_id", "role_id", "unit_id", "start_date", "active")
    ]
    requirements = Requirement.objects.all()
    if requirement_ids is not None:
        requirements = requirements.filter(pk__in=requirement_ids)
    rows = list(
        requirements.values(
            "pk",
            "active",
            "module_id",
            "module__live",
            "module_set_id",
            "frequency",
            "due_basis",
            "due_days",
            "interval_months",
            "annual_month",
            "annual_day",
            "grace_days",
            "effective_from",
        )
    )
    req_ids = [r["pk"] for r in rows]
    roles: dict[int, set[int]] = defaultdict(set)
    for req_id, role_id in Requirement.roles.through.objects.filter(
        requirement_id__in=req_ids
    ).values_list("requirement_id", "role_id"):
        roles[req_id].add(role_id)
    units: dict[int, set[int]] = defaultdict(set)
    for req_id, unit_id in Requirement.units.through.objects.filter(
        requirement_id__in=req_ids
    ).values_list("requirement_id", "unit_id"):
        units[req_id].add(unit_id)
    set_ids = {r["module_set_id"] for r in rows if r["module_set_id"]}
    set_modules: dict[int, set[int]] = defaultdict(set)
    for set_id, module_id in ModuleSet.modules.through.objects.filter(
        moduleset_id__in=set_ids, trainingmodulepage__live=True
    ).values_list("moduleset_id", "trainingmodulepage_id"):
        set_modules[set_id].add(module_id)

    reqs = []
    for r in rows:
        if r["module_id"]:
            module_ids = frozenset([r["module_id"]] if r["module__live"] else [])
        else:
            module_ids = frozenset(set_modules.get(r["module_set_id"], ()))
        reqs.append(
            Req(
                pk=r["pk"],
                active=r["active"],
                module_ids=module_ids,
                role_ids=frozenset(roles.get(r["pk"], ())),
                unit_ids=frozenset(units.get(r["pk"], ())),
                schedule=schedule.Schedule(
                    frequency=r["frequency"],
                    due_basis=r["due_basis"],
                    due_days=r["due_days"],
                    interval_months=r["interval_months"],
                    annual_month=r["annual_month"],
                    annual_day=r["annual_day"],
                    grace_days=r["grace_days"],
                    effective_from=r["effective_from"],
                ),
            )
        )

    module_ids = {m for r in reqs for m in r.module_ids}
    done = Completion.objects.filter(module_id__in=module_ids)
    scope = Assignment.objects.filter(requirement_id__in=req_ids)
    if user_ids is not None:
        done = done.filter(user_id__in=user_ids)
        scope = scope.filter(user_id__in=user_ids)
    completions: dict[int, dict[int, list[Done]]] = defaultdict(lambda: defaultdict(list))
    for c in done.order_by("completed_at", "pk").values(
        "pk", "user_id", "module_id", "completed_at", "completed_on"
    ):
        completions[c["user_id"]][c["module_id"]].append(
            Done(c["pk"], c["completed_at"], c["completed_on"])
        )
    current = {(a.user_id, a.requirement_id): a for a in scope.filter(current=True)}
    last_cycle = {
        (x["user_id"], x["requirement_id"]): x["last"]
        for x in scope.filter(current=False)
        .values("user_id", "requirement_id")
        .annotate(last=Max("cycle"))
    }
    return Snapshot(people, reqs, completions, current, last_cycle)


class _Writer:
    """Collects a plan's row changes, noting which fields changed."""

    def __init__(self, plan: Plan):
        self.plan = plan

    def set(self, row: Assignment, **values) -> None:
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        if not changed:
            return
        for k, v in changed.items():
            setattr(row, k, v)
        if row.pk is not None:
            self.plan.updates[row.pk] = row
            self.plan.fields.update(changed)


def plan(
    snapshot: Snapshot, *, today: datetime.date, joined_on: datetime.date | None = None
) -> Plan:
    """The row changes that make the assignments true (nothing is written here).

    `joined_on`: the day people who newly enter an audience joined it (a role or unit change,
    a reactivation), so that a requirement counted from the start date is not overdue at
    once; None for new staff and for new or changed requirements.
    """
    out = Plan()
    writer = _Writer(out)
    for person in snapshot.people:
        mine = snapshot.completions.get(person.user_id, {})
        for req in snapshot.reqs:
            key = (person.user_id, req.pk)
            row = snapshot.current.get(key)
            reason = req.end_reason(person)
            if reason is not None:
                if row is not None:
                    if row.completed_on is None:
                        writer.set(row, current=False, ended_on=today, end_reason=reason)
                        out.ended += 1
                    else:
                        writer.set(row, current=False)
                continue
            if row is None:
                cycle = snapshot.last_cycle.get(key, 0) + 1
                assigned_on = max(today, req.schedule.effective_from)
                joined = joined_on if joined_on and joined_on > person.start_date else None
                if req.schedule.due_basis == schedule.START_DATE:
                    starts_on = max(person.start_date, joined or person.start_date)
                else:
                    starts_on = assigned_on
                row = Assignment(
                    user_id=person.user_id,
                    requirement_id=req.pk,
                    cycle=cycle,
                    current=True,
                    assigned_on=assigned_on,
                    joined_on=joined,
                    starts_on=starts_on,
                    due_on=req.schedule.first_due(starts_on),
                )
                out.creates.append(row)
            else:
                _follow_schedule(row, req, person, writer)
            _complete_cycles(row, req, mine, out, writer)
    return out


def _follow_schedule(row: Assignment, req: Req, person: Person, writer: _Writer) -> None:
    """Move an open cycle's due date after the requirement's schedule or the person's start
    date (an HR correction) changed."""
    if row.completed_on is not None:
        return
    if row.renews_until is None and req.schedule.due_basis == schedule.START_DATE:
        writer.set(row, starts_on=max(person.start_date, row.joined_on or person.start_date))
    due = req.schedule.cycle_due(starts_on=row.starts_on, renewal=row.renews_until is not None)
    if row.renews_until is not None:
        writer.set(row, renews_until=due, due_on=due)
    else:
        writer.set(row, due_on=due)
    if row.extended_to is not None and row.extended_to <= row.due_on:
        # The schedule now gives at least as long as the extension did: an extension that
        # stayed would shorten the time (the extended date replaces the scheduled one).
        writer.set(row, extended_to=None, extension_reason="")


def _complete_cycles(
    row: Assignment, req: Req, mine: dict[int, list[Done]], out: Plan, writer: _Writer
) -> None:
    """Complete the open cycle (and the cycles after it) with the completions that count."""
    while row.completed_on is None:
        used: list[Done] = []
        for module_id in req.module_ids:
            first = next(
                (
                    c
                    for c in mine.get(module_id, ())
                    if row.counts_from is None or c.completed_at > row.counts_from
                ),
                None,
            )
            if first is None:
                return
            used.append(first)
        last = max(used, key=lambda c: (c.completed_at, c.pk))
        basis = min(c.completed_on for c in used)  # a set is only as fresh as its oldest part
        valid_until = req.schedule.valid_until(basis)
        out.completed += 1
        if valid_until is None:  # one-time: completed for good, stays current
            writer.set(row, completion_id=last.pk, completed_on=last.completed_on)
            return
        writer.set(
            row,
            completion_id=last.pk,
            completed_on=last.completed_on,
            valid_until=valid_until,
            current=False,
        )
        row = Assignment(
            user_id=row.user_id,
            requirement_id=row.requirement_id,
            cycle=row.cycle + 1,
            current=True,
            assigned_on=last.completed_on,
            starts_on=basis,
            counts_from=last.completed_at,
            renews_until=valid_until,
            due_on=valid_until,
        )
        out.creates.append(row)
