"""A learner's transcript: every completion with its certificate, and CE hours per year.

`transcript_data` is a selector: it reads, returns plain data for the PDF template, and runs
the same few SQL queries whatever the number of completions (the person with their staff
profile, the completions with their module and certificate, the organisation settings).
Who may see a transcript is decided by the views (`training.access`), not here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from cms.models import OrganisationSettings
from training.models import Assignment, Completion, StaffProfile

from .models import Certificate

STATUS_LABELS = dict(Certificate.Status.choices)


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    employee_id: str = ""
    role: str = ""
    unit: str = ""


@dataclass(frozen=True)
class Row:
    """One completion as the transcript prints it."""

    module_title: str
    revision: int | None
    completed_on: datetime.date
    valid_until: datetime.date | None  # None: does not expire
    ce_hours: Decimal
    certificate_code: str  # display form, "" when no certificate was issued
    code_groups: tuple[str, ...]
    status: str  # Certificate.Status value
    status_label: str  # Valid, Expired, Revoked
    status_on: datetime.date | None  # expired after (its last valid day) or revoked on
    counted: bool  # counts towards the CE totals (not revoked)


@dataclass
class Year:
    year: int
    completions: int = 0
    revoked: int = 0
    ce_hours: Decimal = Decimal("0")


@dataclass
class Transcript:
    person: Person
    organisation_name: str
    paper_size: str  # "letter" or "a4"
    today: datetime.date
    verify_url: str
    rows: list[Row] = field(default_factory=list)
    years: list[Year] = field(default_factory=list)  # newest first
    total_ce_hours: Decimal = Decimal("0")
    revoked_count: int = 0


def _status(
    certificate: Certificate | None, valid_until: datetime.date | None, today: datetime.date
) -> tuple[str, datetime.date | None]:
    if certificate is not None and certificate.revoked_at:
        return Certificate.Status.REVOKED, timezone.localdate(certificate.revoked_at)
    if valid_until is not None and today > valid_until:
        return Certificate.Status.EXPIRED, valid_until + datetime.timedelta(days=1)
    return Certificate.Status.VALID, None


def _row(completion: Completion, today: datetime.date) -> Row:
    certificate = getattr(completion, "certificate", None)  # None when none was issued
    if certificate is not None:
        title = certificate.module_title
        revision = certificate.module_revision
        valid_until = certificate.expires_on
        hours = certificate.ce_hours
        code, groups = certificate.display_code, tuple(certificate.code_groups)
    else:
        title = completion.module.title
        revision = completion.revision_id
        valid_until = completion.valid_until  # the earliest among the cycles it completed
        hours = completion.module.ce_hours
        code, groups = "", ()
    status, status_on = _status(certificate, valid_until, today)
    return Row(
        module_title=title,
        revision=revision,
        completed_on=completion.completed_on,
        valid_until=valid_until,
        ce_hours=hours or Decimal("0"),
        certificate_code=code,
        code_groups=groups,
        status=status,
        status_label=STATUS_LABELS[status],
        status_on=status_on,
        counted=status != Certificate.Status.REVOKED,
    )


def _person(user) -> Person:
    name = user.get_full_name() or user.get_username()
    try:
        profile = user.staff_profile
    except StaffProfile.DoesNotExist:
        return Person(user_id=user.pk, name=name)
    return Person(
        user_id=user.pk,
        name=name,
        employee_id=profile.employee_id,
        role=profile.role.name,
        unit=profile.unit.name,
    )


def transcript_data(*, user_id: int, today: datetime.date) -> Transcript | None:
    """The transcript of the user `user_id` as of `today`, or None if there is no such user.

    Every completion, newest first, with what its certificate froze at issue (title,
    revision, expiry, CE hours, code) or, where none was issued, the module's title and CE
    hours and the expiry from the requirement cycles it completed. CE hours are totalled per
    calendar year of completion; revoked certificates are listed but not counted.
    """
    user = (
        get_user_model()
        .objects.select_related("staff_profile__role", "staff_profile__unit")
        .filter(pk=user_id)
        .first()
    )
    if user is None:
        return None
    valid_until = (
        Assignment.objects.filter(completion=OuterRef("pk"), valid_until__isnull=False)
        .order_by("valid_until")
        .values("valid_until")[:1]
    )
    completions = (
        Completion.objects.filter(user_id=user_id)
        .select_related("module", "certificate")
        .annotate(valid_until=Subquery(valid_until))
        .order_by("-completed_on", "-completed_at", "-pk")
    )
    org = OrganisationSettings.for_default_site()
    transcript = Transcript(
        person=_person(user),
        organisation_name=org.organisation_name,
        paper_size="a4" if org.paper_size == "a4" else "letter",
        today=today,
        verify_url=settings.ATTUNE_PUBLIC_BASE_URL.rstrip("/") + reverse("verify:form"),
        rows=[_row(c, today) for c in completions],
    )
    years: dict[int, Year] = {}
    for row in transcript.rows:  # newest first, so the years are too
        year = years.setdefault(row.completed_on.year, Year(year=row.completed_on.year))
        year.completions += 1
        if row.counted:
            year.ce_hours += row.ce_hours
        else:
            year.revoked += 1
    transcript.years = list(years.values())
    transcript.total_ce_hours = sum((y.ce_hours for y in transcript.years), Decimal("0"))
    transcript.revoked_count = sum(y.revoked for y in transcript.years)
    return transcript
