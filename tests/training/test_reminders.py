"""Reminder emails: due soon and overdue to staff, the managers' weekly digest, the send
command and task, the admin send log, and query counts that do not grow with the data.

In the `people` fixture the two nurses (Amara Okafor, NICU; Olga Petrova, PICU) started
10 days ago and must complete the module within 30 days: due in 20 days, so "due soon"
today (the window is 30 days) and overdue from day 21."""

import datetime
import io

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.models import OrganisationSettings
from training import services
from training.models import ReminderLog
from training.services import reminders as service_module
from training.services.reminders import digests_send, reminders_send

from ..conftest import SAMPLE_SPEC, correct_answers, publish_module, require
from ..factories import StaffProfileFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DUE = TODAY + datetime.timedelta(days=20)
LATE = TODAY + datetime.timedelta(days=21)


def to(address):
    return [m for m in mail.outbox if m.to == [address]]


def html_of(message):
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return html


def current(user, requirement):
    return user.assignments.get(requirement=requirement, current=True)


def org_settings(**fields):
    org = OrganisationSettings.for_default_site()
    for name, value in fields.items():
        setattr(org, name, value)
    org.save()
    return org


# Staff reminders ----------------------------------------------------------------------


def test_due_soon_email_is_sent_once(people):
    result = reminders_send(today=TODAY)
    assert result == {"enabled": True, "events": 2, "emails": 2, "failed": 0}
    (message,) = to(people.staff.email)
    assert "due soon" in message.subject.lower()
    assert "Sample module: reading cues" in message.subject
    assert "Hello Amara" in message.body
    assert DUE.strftime("%B") in message.body and "http://testserver/learn/" in message.body
    log = ReminderLog.objects.get(recipient=people.staff)
    assert log.kind == ReminderLog.Kind.DUE_SOON
    assert log.key == f"due_soon:{current(people.staff, people.requirement).pk}:{DUE}"
    assert log.email == people.staff.email and log.error == ""

    # Again the same day, and the next day: nothing new.
    assert reminders_send(today=TODAY)["emails"] == 0
    assert reminders_send(today=TODAY + datetime.timedelta(days=1))["emails"] == 0
    assert len(mail.outbox) == 2
    assert ReminderLog.objects.count() == 2


def test_email_has_text_and_html_parts_with_absolute_links(people):
    org_settings(
        organisation_name="St Elsewhere Children's",
        staff_support_url="https://support.example.org/",
        staff_support_label="Staff well-being",
    )
    reminders_send(today=TODAY)
    (message,) = to(people.staff.email)
    assert message.content_subtype == "plain"
    assert "St Elsewhere Children's" in message.body
    assert "Staff well-being: https://support.example.org/" in message.body
    html = html_of(message)
    assert '<html lang="en-us">' in html  # the active language (LANGUAGE_CODE)
    assert 'href="http://testserver/learn/"' in html
    assert 'href="https://support.example.org/"' in html
    assert "St Elsewhere Children&#x27;s" in html  # escaped in HTML, plain in text
    assert "<img" not in html


def test_extension_gives_a_new_reminder_for_the_new_due_date(people):
    reminders_send(today=TODAY)
    assignment = current(people.staff, people.requirement)
    new_due = DUE + datetime.timedelta(days=30)
    services.assignment_extend(
        assignment_id=assignment.pk, actor=people.manager, until=new_due, reason="Parental leave"
    )
    mail.outbox.clear()
    # Today the new date is 50 days away: not due soon, so nothing.
    assert reminders_send(today=TODAY)["emails"] == 0
    # Within 30 days of the new date: a new reminder, about the new date.
    later = new_due - datetime.timedelta(days=10)
    reminders_send(today=later)
    (message,) = to(people.staff.email)
    assert new_due.strftime("%B") in message.body
    keys = set(ReminderLog.objects.filter(recipient=people.staff).values_list("key", flat=True))
    assert keys == {f"due_soon:{assignment.pk}:{DUE}", f"due_soon:{assignment.pk}:{new_due}"}


def test_overdue_email_after_the_due_date(people):
    reminders_send(today=TODAY)
    mail.outbox.clear()
    result = reminders_send(today=LATE)
    assert result["emails"] == 2
    (message,) = to(people.staff.email)
    assert "catch up" in message.subject.lower()
    assert "Past the due date" in message.body and "was due" in message.body
    assert "Past the due date" in html_of(message)
    log = ReminderLog.objects.get(recipient=people.staff, kind=ReminderLog.Kind.OVERDUE)
    assert log.key.startswith("overdue:")
    # Overdue is one event: not repeated on later days.
    assert reminders_send(today=LATE + datetime.timedelta(days=7))["emails"] == 0


def test_first_run_after_the_due_date_sends_only_overdue(people):
    reminders_send(today=LATE)
    (message,) = to(people.staff.email)
    assert "Coming up" not in message.body and "Past the due date" in message.body
    assert not ReminderLog.objects.filter(kind=ReminderLog.Kind.DUE_SOON).exists()


def test_several_events_for_one_person_make_one_email(people, site):
    second = publish_module(
        site.catalogue, {**SAMPLE_SPEC, "slug": "second", "title": "Second module: repair"}
    )
    require(
        second,
        units=[people.nicu],
        due_days=25,
        effective_from=TODAY - datetime.timedelta(days=365),
    )
    reminders_send(today=TODAY)
    (message,) = to(people.staff.email)
    assert "2 training items due soon" in message.subject
    assert "Second module: repair" in message.body and "Sample module" in message.body
    assert ReminderLog.objects.filter(recipient=people.staff).count() == 2
    assert {log.subject for log in ReminderLog.objects.filter(recipient=people.staff)} == {
        message.subject
    }


def pass_module_over_http(client, user, module):
    client.force_login(user)
    location = client.post(f"/learn/modules/{module.pk}/start/")["Location"]
    attempt_id = int(location.rstrip("/").rsplit("/", 1)[1])
    attempt = user.attempts.get(pk=attempt_id)
    client.post(location, correct_answers(attempt.questions))
    client.logout()


def test_exempt_completed_inactive_and_addressless_staff_get_nothing(people, module, client):
    # Amara is exempt; Olga has passed; two more nurses: one has left, one has no email.
    services.assignment_exempt(
        assignment_id=current(people.staff, people.requirement).pk,
        actor=people.manager,
        reason="Completed at her previous hospital",
    )
    pass_module_over_http(client, people.other_staff, module)
    gone = StaffProfileFactory(role=people.nurse_role, unit=people.nicu)
    silent = StaffProfileFactory(role=people.nurse_role, unit=people.nicu, user__email="")
    disabled = StaffProfileFactory(role=people.nurse_role, unit=people.nicu, user__is_active=False)
    services.assignments_sync(user_ids=[gone.user_id, silent.user_id, disabled.user_id])
    gone.active = False
    gone.save()

    for day in (TODAY, LATE):
        assert reminders_send(today=day)["emails"] == 0
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()
    # Their manager hears only about the nurse who could not be emailed.
    assert digests_send(today=LATE)["emails"] == 1
    (digest,) = to(people.manager.email)
    assert silent.full_name in digest.body
    for name in (gone.full_name, disabled.full_name, "Amara Okafor", "Olga Petrova"):
        assert name not in digest.body


def test_nothing_is_sent_when_reminders_are_turned_off(people):
    org_settings(reminders_enabled=False)
    assert reminders_send(today=TODAY) == {"enabled": False, "events": 0, "emails": 0, "failed": 0}
    assert digests_send(today=LATE)["enabled"] is False
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()


class FailForPicu(EmailBackend):
    """The mail server refuses one recipient."""

    def send_messages(self, messages):
        for message in messages:
            if any(address.startswith("picunurse@") for address in message.to):
                raise ConnectionRefusedError("550 mailbox unavailable")
        return super().send_messages(messages)


def test_a_failed_send_is_logged_and_the_others_still_go(people, settings):
    settings.EMAIL_BACKEND = f"{__name__}.FailForPicu"
    result = reminders_send(today=TODAY)
    assert result == {"enabled": True, "events": 2, "emails": 1, "failed": 1}
    assert len(to(people.staff.email)) == 1
    failed = ReminderLog.objects.get(recipient=people.other_staff)
    assert "550 mailbox unavailable" in failed.error
    assert ReminderLog.objects.get(recipient=people.staff).error == ""
    # Claimed is claimed: no retry (and so no risk of a double send).
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert reminders_send(today=TODAY)["emails"] == 0


def test_an_event_claimed_by_another_run_is_not_sent_again(people):
    """Two workers at once: the other one logged Olga's event between our read and our
    write. Only Amara's email goes."""
    olga = current(people.other_staff, people.requirement)
    original = service_module.reminder_events

    def racing(**kwargs):
        found = original(**kwargs)
        ReminderLog.objects.create(
            kind=ReminderLog.Kind.DUE_SOON,
            key=f"due_soon:{olga.pk}:{DUE}",
            recipient=people.other_staff,
            email=people.other_staff.email,
            subject="sent by the other worker",
            sent_at=timezone.now(),
        )
        return found

    service_module.reminder_events = racing
    try:
        result = reminders_send(today=TODAY)
    finally:
        service_module.reminder_events = original
    assert result["events"] == 1 and result["emails"] == 1
    assert [m.to for m in mail.outbox] == [[people.staff.email]]
    assert ReminderLog.objects.count() == 2


def add_nurses(people, count, start):
    profiles = [
        StaffProfileFactory(role=people.nurse_role, unit=people.nicu, start_date=start)
        for _ in range(count)
    ]
    services.assignments_sync(user_ids=[p.user_id for p in profiles])
    return profiles


def test_query_count_does_not_grow_with_staff(people):
    OrganisationSettings.for_default_site()  # the settings row exists from now on
    add_nurses(people, 3, TODAY - datetime.timedelta(days=10))  # 5 nurses
    with CaptureQueriesContext(connection) as small:
        assert reminders_send(today=TODAY)["emails"] == 5
    ReminderLog.objects.all().delete()
    mail.outbox.clear()
    add_nurses(people, 20, TODAY - datetime.timedelta(days=10))  # 25 nurses
    with CaptureQueriesContext(connection) as large:
        assert reminders_send(today=TODAY)["emails"] == 25
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_digest_query_count_does_not_grow_with_staff(people):
    OrganisationSettings.for_default_site()
    add_nurses(people, 3, TODAY - datetime.timedelta(days=10))
    with CaptureQueriesContext(connection) as small:
        assert digests_send(today=LATE)["emails"] == 2
    ReminderLog.objects.all().delete()
    add_nurses(people, 20, TODAY - datetime.timedelta(days=10))
    with CaptureQueriesContext(connection) as large:
        assert digests_send(today=LATE)["emails"] == 2
    assert len(large) == len(small)


# Managers' digest ---------------------------------------------------------------------


def next_monday(day):
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def test_digest_lists_only_the_managers_own_units(people):
    monday = next_monday(LATE)
    result = digests_send(today=monday)
    assert result == {"enabled": True, "events": 2, "emails": 2, "failed": 0}
    (nicu,) = to(people.manager.email)
    assert "NICU" in nicu.subject
    assert "Amara Okafor" in nicu.body and "Olga Petrova" not in nicu.body
    assert "PICU" not in nicu.body
    assert f"http://testserver/reports/units/{people.nicu.pk}/" in nicu.body
    html = html_of(nicu)
    assert "Amara Okafor" in html and "Olga Petrova" not in html
    assert f'href="http://testserver/reports/units/{people.nicu.pk}/"' in html
    assert '<th scope="col"' in html
    (picu,) = to(people.other_manager.email)
    assert "Olga Petrova" in picu.body and "Amara Okafor" not in picu.body
    # Leads, educators, admins and staff manage no unit: no digest.
    assert {m.to[0] for m in mail.outbox} == {people.manager.email, people.other_manager.email}
    year, week, _ = monday.isocalendar()
    assert ReminderLog.objects.get(recipient=people.manager).key == (
        f"digest:{people.manager.pk}:{year}-W{week:02d}"
    )


def test_digest_is_sent_once_per_iso_week(people):
    monday = next_monday(LATE)
    assert digests_send(today=monday)["emails"] == 2
    assert digests_send(today=monday)["emails"] == 0
    assert digests_send(today=monday + datetime.timedelta(days=6))["emails"] == 0  # Sunday
    assert digests_send(today=monday + datetime.timedelta(days=7))["emails"] == 2
    assert ReminderLog.objects.filter(kind=ReminderLog.Kind.DIGEST).count() == 4


def test_no_digest_when_nothing_is_overdue(people):
    assert digests_send(today=TODAY) == {"enabled": True, "events": 0, "emails": 0, "failed": 0}
    assert mail.outbox == []


def test_digest_for_a_manager_of_two_units_lists_both(people):
    people.picu.managers.add(people.manager)
    digests_send(today=LATE)
    (message,) = to(people.manager.email)
    assert "Amara Okafor" in message.body and "Olga Petrova" in message.body
    assert message.body.index("NICU") < message.body.index("PICU")


# Command and task ---------------------------------------------------------------------


def test_send_reminders_command(people):
    out = io.StringIO()
    call_command("send_reminders", "--date", TODAY.isoformat(), stdout=out)
    assert "2 reminder email(s) sent, 0 failed" in out.getvalue()
    assert len(mail.outbox) == 2
    out = io.StringIO()
    call_command("send_reminders", "--date", TODAY.isoformat(), stdout=out)
    assert "0 reminder email(s) sent" in out.getvalue()
    out = io.StringIO()
    call_command("send_reminders", "--digest", "--date", LATE.isoformat(), stdout=out)
    assert "2 digest email(s) sent" in out.getvalue()
    assert len(mail.outbox) == 4


def test_send_reminders_command_rejects_a_bad_date(people):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--date", "31/12/2025")


def test_send_reminders_command_says_when_turned_off(people):
    org_settings(reminders_enabled=False)
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    assert "turned off" in out.getvalue()
    assert mail.outbox == []


TASK_READY = all(
    hasattr(services, name)
    for name in ("compliance_snapshot_take", "reminders_send", "digests_send")
)


@pytest.mark.skipif(
    not TASK_READY,
    reason="training.services does not export compliance_snapshot_take / reminders_send / "
    "digests_send yet (the daily task needs them)",
)
def test_daily_and_weekly_tasks_send_through_the_task_api(people):
    from training.tasks import daily_upkeep_task, weekly_digest_task

    result = daily_upkeep_task.enqueue()
    assert result.return_value["reminders"]["emails"] == 2
    assert len(mail.outbox) == 2
    weekly_digest_task.enqueue()  # nothing overdue today
    assert len(mail.outbox) == 2


# Admin send log -----------------------------------------------------------------------

KINDS = ["staff", "manager", "other_manager", "lead", "educator", "admin", "anonymous"]
LOG_CASES = [
    # Superusers only; the others get Wagtail's refusal (a redirect: to the login page for
    # users without admin access, to the dashboard for leads and educators).
    ("/admin/reminder-log/", "get", [302, 302, 302, 302, 302, 200, 302]),
    ("/admin/reminder-log/results/", "get", [302, 302, 302, 302, 302, 200, 302]),
    ("/admin/reminder-log/?kind=due_soon&q=nurse", "get", [302, 302, 302, 302, 302, 200, 302]),
    ("/admin/reminder-log/inspect/{log}/", "get", [302, 302, 302, 302, 302, 200, 302]),
    # Read-only, even for admins.
    ("/admin/reminder-log/new/", "get", [302, 302, 302, 302, 302, 302, 302]),
    ("/admin/reminder-log/edit/{log}/", "get", [302, 302, 302, 302, 302, 302, 302]),
    ("/admin/reminder-log/edit/{log}/", "post", [302, 302, 302, 302, 302, 302, 302]),
    ("/admin/reminder-log/delete/{log}/", "post", [302, 302, 302, 302, 302, 302, 302]),
]


@pytest.mark.parametrize(
    "url, method, expected", LOG_CASES, ids=[f"{m} {u}" for u, m, _ in LOG_CASES]
)
@pytest.mark.parametrize("kind", KINDS)
def test_send_log_answers_each_kind_of_user(people, client, url, method, expected, kind):
    reminders_send(today=TODAY)
    log = ReminderLog.objects.get(recipient=people.staff)
    if kind != "anonymous":
        client.force_login(getattr(people, kind))
    response = getattr(client, method)(url.format(log=log.pk))
    assert response.status_code == expected[KINDS.index(kind)]
    assert ReminderLog.objects.filter(pk=log.pk).exists()


def test_send_log_lists_filters_and_searches(people, login, settings):
    settings.EMAIL_BACKEND = f"{__name__}.FailForPicu"
    reminders_send(today=TODAY)
    client = login(people.admin)
    html = client.get("/admin/reminder-log/").content.decode()
    assert people.staff.email in html and people.other_staff.email in html
    assert "550 mailbox unavailable" in html
    assert "/admin/reminder-log/new/" not in html  # no "Add" button
    html = client.get("/admin/reminder-log/?q=picunurse").content.decode()
    assert f"to {people.other_staff.email}" in html
    assert f"to {people.staff.email}" not in html
    html = client.get("/admin/reminder-log/?kind=overdue").content.decode()
    assert people.staff.email not in html
    log = ReminderLog.objects.get(recipient=people.staff)
    html = client.get(f"/admin/reminder-log/inspect/{log.pk}/").content.decode()
    assert log.key in html
    dashboard = client.get("/admin/").content.decode()
    assert "/admin/reminder-log/" in dashboard  # in the Settings menu
    staff_admin = login(people.educator).get("/admin/").content.decode()
    assert "/admin/reminder-log/" not in staff_admin
