"""Reminder emails: due soon and overdue to staff, a weekly digest to unit managers.

What is due is read by training.reminders (fixed queries). Sending one run:

1. Claim: every event of the run is written to the send log (ReminderLog, unique `key`)
   in one transaction, before any email leaves. If another worker claimed some of the
   same events meanwhile, the insert fails as a whole and the events are claimed one by
   one (a savepoint each); an event this run could not claim belongs to the other worker.
2. Send: one email per person (all their new events together) or per manager digest,
   over one mail connection. A failure is recorded in the log rows' `error` and the run
   goes on with the next person.

The ordering favours "never twice" over "never missed": a crash between the claim and
the send leaves claimed events unsent (their log rows show no error); the person still
sees the training on /learn/, and a late item appears in their manager's digest. Sending
first and logging afterwards would instead email the same event twice after such a crash,
or whenever two workers run at once. Failed sends are not retried automatically; the
admin send log shows them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import OrganisationSettings

from ..models import ReminderLog
from ..reminders import ManagerDigest, PersonReminder, manager_digests, reminder_events

logger = logging.getLogger(__name__)

TEMPLATES = "training/email"


def _base_url() -> str:
    base = getattr(settings, "ATTUNE_PUBLIC_BASE_URL", "") or settings.WAGTAILADMIN_BASE_URL
    return base.rstrip("/")


def _summary(*, enabled: bool = True, events: int = 0, emails: int = 0, failed: int = 0):
    return {"enabled": enabled, "events": events, "emails": emails, "failed": failed}


def _valid(rows: list[ReminderLog]) -> bool:
    """Whether the rows are fit to save (an address the log accepts, a subject that fits).
    No queries: foreign keys and the unique key are checked by the database."""
    try:
        for row in rows:
            row.full_clean(
                exclude=["recipient", "assignment"],
                validate_unique=False,
                validate_constraints=False,
            )
    except ValidationError:
        return False
    return True


def _claim(rows: list[ReminderLog]) -> set[str]:
    """Write the log rows; return the keys this run owns (one transaction)."""
    if not rows:
        return set()
    with transaction.atomic():
        try:
            with transaction.atomic():
                ReminderLog.objects.bulk_create(rows)
            return {row.key for row in rows}
        except IntegrityError:
            logger.info("Some reminder events were claimed by another run; claiming one by one.")
        mine = set()
        for row in rows:
            row.pk = None
            row._state.adding = True
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
            except IntegrityError:
                continue
            mine.add(row.key)
        return mine


def _send_all(
    batches: Sequence[tuple[list[str], Callable[[], mail.EmailMessage]]],
) -> tuple[int, int]:
    """Send each message over one connection; record failures in the log. Returns
    (sent, failed)."""
    sent = failed = 0
    connection = mail.get_connection()
    try:
        connection.open()
    except Exception:  # each send below tries again, and records its own failure
        logger.exception("Could not open the mail connection for reminders.")
    try:
        for keys, build in batches:
            try:
                message = build()
                message.connection = connection
                message.send()
            except Exception as exc:
                failed += 1
                logger.exception("Reminder email failed (%s).", keys[0])
                error = f"{type(exc).__name__}: {exc}"[:2000]
                ReminderLog.objects.filter(key__in=keys).update(error=error)
            else:
                sent += 1
    finally:
        try:
            connection.close()
        except Exception:
            logger.exception("Could not close the mail connection.")
    return sent, failed


def _message(*, template: str, context: dict, to: str) -> mail.EmailMultiAlternatives:
    message = mail.EmailMultiAlternatives(
        subject=_subject(template, context),
        body=render_to_string(f"{TEMPLATES}/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(
        render_to_string(f"{TEMPLATES}/{template}.html", context), "text/html"
    )
    return message


def _common_context(org: OrganisationSettings) -> dict:
    return {
        "organisation_name": org.organisation_name,
        "support_url": org.staff_support_url,
        "support_label": org.staff_support_label or _("Support for you"),
        "base_url": _base_url(),
    }


def _subject(template: str, context: dict) -> str:
    return " ".join(render_to_string(f"{TEMPLATES}/{template}_subject.txt", context).split())[:300]


def reminders_send(*, today) -> dict:
    """Email each active member of staff about their training newly due soon or overdue
    on `today`: one email per person listing all their new events, one log row per event,
    so no event is emailed twice. Nothing when reminders are turned off in the site
    settings. Fixed queries to choose and claim the events, whatever the number of staff;
    sending is one email per person.

    Returns counts: events claimed, emails sent and failed.
    """
    org = OrganisationSettings.for_default_site()
    if not org.reminders_enabled:
        return _summary(enabled=False)
    people = reminder_events(today=today, due_soon_days=org.due_soon_days)
    common = _common_context(org)
    learn_url = common["base_url"] + reverse("training:dashboard")
    now = timezone.now()

    contexts: list[tuple[PersonReminder, dict]] = []
    rows: list[ReminderLog] = []
    for person in people:
        context = {
            **common,
            "person": person,
            "name": person.user.first_name or person.user.get_username(),
            "due_soon": person.due_soon,
            "overdue": person.overdue,
            "events": person.events,
            "learn_url": learn_url,
        }
        subject = _subject("reminder", context)
        mine = [
            ReminderLog(
                kind=event.kind,
                key=event.key,
                recipient=person.user,
                email=person.user.email,
                assignment=event.assignment,
                subject=subject,
                sent_at=now,
            )
            for event in person.events
        ]
        if not _valid(mine):
            logger.warning(
                "No reminder for user %s: the email address is not valid.", person.user.pk
            )
            continue
        rows.extend(mine)
        contexts.append((person, context))

    claimed = _claim(rows)
    batches = []
    events = 0
    for person, context in contexts:
        keys = [e.key for e in person.events if e.key in claimed]
        if not keys:
            continue
        events += len(keys)
        if len(keys) < len(person.events):  # another run took some of them
            kept = [e for e in person.events if e.key in claimed]
            person = PersonReminder(user=person.user, events=kept)
            context = {
                **context,
                "person": person,
                "due_soon": person.due_soon,
                "overdue": person.overdue,
                "events": kept,
            }
        batches.append(
            (
                keys,
                lambda context=context, to=person.user.email: _message(
                    template="reminder", context=context, to=to
                ),
            )
        )
    sent, failed = _send_all(batches)
    return _summary(events=events, emails=sent, failed=failed)


def digests_send(*, today) -> dict:
    """Email each unit manager this week's digest: per unit they manage, the active staff
    whose training is overdue or expired on `today`. At most one digest per manager per
    ISO week; none when nothing is overdue or reminders are turned off. Fixed queries to
    choose and claim the digests; sending is one email per manager.

    Returns counts: digests claimed (events), emails sent and failed.
    """
    org = OrganisationSettings.for_default_site()
    if not org.reminders_enabled:
        return _summary(enabled=False)
    digests = manager_digests(today=today, due_soon_days=org.due_soon_days)
    common = _common_context(org)
    now = timezone.now()
    year, week, _weekday = today.isocalendar()

    contexts: list[tuple[ManagerDigest, dict]] = []
    rows: list[ReminderLog] = []
    for digest in digests:
        context = {
            **common,
            "digest": digest,
            "name": digest.manager.first_name or digest.manager.get_username(),
            "units": [
                {
                    "unit": u.unit,
                    "rows": u.rows,
                    "url": common["base_url"] + reverse("reports:unit", args=[u.unit.pk]),
                }
                for u in digest.units
            ],
            "count": digest.count,
            "unit_names": ", ".join(u.unit.name for u in digest.units),
            "week": f"{year}-W{week:02d}",
            "today": today,
        }
        row = ReminderLog(
            kind=ReminderLog.Kind.DIGEST,
            key=digest.key,
            recipient=digest.manager,
            email=digest.manager.email,
            subject=_subject("digest", context),
            sent_at=now,
        )
        if not _valid([row]):
            logger.warning(
                "No digest for user %s: the email address is not valid.", digest.manager.pk
            )
            continue
        rows.append(row)
        contexts.append((digest, context))

    claimed = _claim(rows)
    batches = [
        (
            [digest.key],
            lambda context=context, to=digest.manager.email: _message(
                template="digest", context=context, to=to
            ),
        )
        for digest, context in contexts
        if digest.key in claimed
    ]
    sent, failed = _send_all(batches)
    return _summary(events=len(batches), emails=sent, failed=failed)
