"""Which reminder events are due on a given day: the read side of reminder emails.

Plain data in a fixed number of queries whatever the number of staff, units and
requirements; training.services.reminders claims the events in the send log and emails
them. An event is named by its `key` (the ReminderLog key), so the same event is never
emailed twice:

- `due_soon:<assignment>:<due date>` when a current assignment is due soon;
- `overdue:<assignment>:<due date>` when it is overdue (or, for a renewal, expired);
- `digest:<manager>:<ISO year>-W<week>` for a manager's weekly digest.

An extension gives a new due date, hence a new event. The `started` flag of a status
(attempts after `counts_from`) only separates "not started" from "in progress", never due
soon or overdue, so attempts are not read here.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import Q
from django.db.models.functions import Coalesce

from .models import Assignment, ReminderLog, Status, Unit

REMINDED = {Status.DUE_SOON, Status.OVERDUE, Status.EXPIRED}
LATE = {Status.OVERDUE, Status.EXPIRED}


@dataclass
class ReminderEvent:
    """One assignment's due-soon or overdue event."""

    key: str
    kind: str  # ReminderLog.Kind
    assignment: Assignment
    status: Status
    due_date: datetime.date
    title: str

    @property
    def renewal(self) -> bool:
        return self.assignment.renewal


@dataclass
class PersonReminder:
    """Everything one person is to be reminded of today (one email)."""

    user: User
    events: list[ReminderEvent] = field(default_factory=list)

    @property
    def due_soon(self) -> list[ReminderEvent]:
        return [e for e in self.events if e.kind == ReminderLog.Kind.DUE_SOON]

    @property
    def overdue(self) -> list[ReminderEvent]:
        return [e for e in self.events if e.kind == ReminderLog.Kind.OVERDUE]


@dataclass
class DigestRow:
    name: str
    title: str
    due_date: datetime.date
    status: Status


@dataclass
class DigestUnit:
    unit: Unit
    rows: list[DigestRow]


@dataclass
class ManagerDigest:
    """One manager's weekly digest (one email): overdue staff of each unit they manage."""

    key: str
    manager: User
    units: list[DigestUnit]

    @property
    def count(self) -> int:
        return sum(len(u.rows) for u in self.units)


def _open_assignments(today: datetime.date, due_by: datetime.date):
    """Current, not exempt, not validly completed assignments of active staff whose date in
    force is on or before `due_by`. A narrowing filter: status_on() decides."""
    return (
        Assignment.objects.filter(
            current=True,
            exempt=False,
            requirement__active=True,
            user__is_active=True,
            user__staff_profile__active=True,
        )
        .filter(Q(completed_on__isnull=True) | Q(valid_until__lt=today))
        .alias(due=Coalesce("extended_to", "due_on"))
        .filter(due__lte=due_by)
        .select_related(
            "user",
            "user__staff_profile",
            "user__staff_profile__unit",
            "requirement",
            "requirement__module",
            "requirement__module_set",
        )
        .order_by("user_id", "due", "pk")
    )


def _event_key(kind: str, assignment: Assignment) -> str:
    return f"{kind}:{assignment.pk}:{assignment.due_date.isoformat()}"


def reminder_events(*, today: datetime.date, due_soon_days: int) -> list[PersonReminder]:
    """Each active member of staff with an email address and something due soon or
    overdue today, with those events; events already in the send log are left out.
    Two queries."""
    due_by = today + datetime.timedelta(days=due_soon_days)
    people: dict[int, PersonReminder] = {}
    events: list[ReminderEvent] = []
    for a in _open_assignments(today, due_by).exclude(user__email=""):
        status = Status(a.status_on(today, due_soon_days=due_soon_days))
        if status not in REMINDED:
            continue
        kind = ReminderLog.Kind.OVERDUE if status in LATE else ReminderLog.Kind.DUE_SOON
        event = ReminderEvent(
            key=_event_key(kind, a),
            kind=kind,
            assignment=a,
            status=status,
            due_date=a.due_date,
            title=a.requirement.title,
        )
        events.append(event)
    sent = set(
        ReminderLog.objects.filter(key__in=[e.key for e in events]).values_list("key", flat=True)
    )
    for event in events:
        if event.key in sent:
            continue
        user = event.assignment.user
        people.setdefault(user.pk, PersonReminder(user=user)).events.append(event)
    return list(people.values())


def digest_key(manager_id: int, today: datetime.date) -> str:
    year, week, _ = today.isocalendar()
    return f"digest:{manager_id}:{year}-W{week:02d}"


def manager_digests(*, today: datetime.date, due_soon_days: int) -> list[ManagerDigest]:
    """For each active manager with an email address whose units have overdue (or expired)
    active staff today, the list per unit; managers whose digest of this ISO week is
    already in the send log are left out. Three queries."""
    late: dict[int, list[DigestRow]] = defaultdict(list)
    units: dict[int, Unit] = {}
    yesterday = today - datetime.timedelta(days=1)
    for a in _open_assignments(today, yesterday):
        status = Status(a.status_on(today, due_soon_days=due_soon_days))
        if status not in LATE:
            continue
        profile = a.user.staff_profile
        units[profile.unit_id] = profile.unit
        late[profile.unit_id].append(
            DigestRow(
                name=profile.full_name,
                title=a.requirement.title,
                due_date=a.due_date,
                status=status,
            )
        )
    if not late:
        return []
    managed: dict[int, list[int]] = defaultdict(list)
    managers: dict[int, User] = {}
    for link in (
        Unit.managers.through.objects.filter(unit_id__in=list(late), user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user_id", "unit__name")
    ):
        managers[link.user_id] = link.user
        managed[link.user_id].append(link.unit_id)
    keys = {pk: digest_key(pk, today) for pk in managers}
    sent = set(
        ReminderLog.objects.filter(key__in=list(keys.values())).values_list("key", flat=True)
    )
    digests = []
    for pk, user in managers.items():
        if keys[pk] in sent:
            continue
        digests.append(
            ManagerDigest(
                key=keys[pk],
                manager=user,
                units=[
                    DigestUnit(
                        unit=units[unit_id],
                        rows=sorted(
                            late[unit_id], key=lambda r: (r.name.lower(), r.due_date, r.title)
                        ),
                    )
                    for unit_id in managed[pk]
                ],
            )
        )
    return digests
