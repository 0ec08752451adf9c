"""Certificates: the document that proves a completion, verifiable by anyone with its code."""

import base64
import datetime
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cms.models import PAPER_SIZES

CODE_BYTES = 20  # 160 random bits, never derived from the user or the module


def generate_code() -> str:
    """A verification code: 160 random bits as 32 upper-case base32 characters."""
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii").rstrip("=")


def normalise_code(raw: str) -> str:
    """Accept codes as people type them: any case, with spaces or dashes between groups."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


class CodeAndExpiry:
    """How a certificate's code and expiry read, for the model and for the public view of it
    (`selectors.PublicCertificate`): needs `code` and `expires_on`."""

    @property
    def code_groups(self) -> list[str]:
        return [self.code[i : i + 4] for i in range(0, len(self.code), 4)]

    @property
    def display_code(self) -> str:
        return "-".join(self.code_groups)

    @property
    def expired_on(self) -> datetime.date | None:
        """The first day it no longer counts (the day after `expires_on`)."""
        return None if self.expires_on is None else self.expires_on + datetime.timedelta(days=1)


class Certificate(CodeAndExpiry, models.Model):
    """Proof of one completion, with what it says frozen at the moment of issue.

    Names, titles, hours, dates, the paper size and the logo and signature files are copied
    here when the certificate is issued, and the PDF is rendered once from these copies and
    stored, so later edits to the person, the module or the site settings never change a
    certificate that was already issued. Re-issuing (copying them afresh and rendering a new
    PDF under the same code) is an explicit action with a reason, kept in the history.
    """

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    code = models.CharField(max_length=40, unique=True, default=generate_code, editable=False)
    completion = models.OneToOneField(
        "training.Completion", on_delete=models.PROTECT, related_name="certificate"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates"
    )
    learner_name = models.CharField(max_length=320)  # first + last name (150 each)
    module_title = models.CharField(max_length=255)
    module_revision = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("The page revision the learner was graded against.")
    )
    completed_on = models.DateField()
    expires_on = models.DateField(
        null=True,
        blank=True,
        help_text=_(
            "Last day the completion counts (the earliest among the requirements it "
            "completed); empty when it does not expire."
        ),
    )
    ce_hours = models.DecimalField(max_digits=4, decimal_places=2)
    organisation_name = models.CharField(max_length=200)
    signatory_name = models.CharField(max_length=200, blank=True)
    signatory_title = models.CharField(max_length=200, blank=True)
    ce_statement = models.TextField(blank=True)
    paper_size = models.CharField(max_length=10, choices=PAPER_SIZES, default="letter")
    logo_file = models.CharField(max_length=255, blank=True)  # media storage name at issue
    signature_file = models.CharField(max_length=255, blank=True)
    issued_at = models.DateTimeField(default=timezone.now)
    reissued_at = models.DateTimeField(null=True, blank=True)
    pdf = models.FileField(upload_to="certificates/%Y/%m/", blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.TextField(blank=True)
    history = HistoricalRecords(excluded_fields=["pdf"])

    class Meta:
        ordering = ["-issued_at"]
        permissions = [("revoke_certificate", _("Can revoke and re-issue certificates"))]

    def __str__(self):
        return f"{self.module_title} – {self.learner_name} ({self.display_code})"

    @classmethod
    def status_q(cls, status: str, day: datetime.date) -> models.Q:
        """`status_on(day) == status` as a query condition."""
        if status == cls.Status.REVOKED:
            return models.Q(revoked_at__isnull=False)
        if status == cls.Status.EXPIRED:
            return models.Q(revoked_at__isnull=True, expires_on__lt=day)
        return models.Q(revoked_at__isnull=True) & (
            models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=day)
        )

    def status_on(self, day: datetime.date) -> str:
        """Revoked, else expired once `day` is past the expiry date, else valid."""
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_on is not None and day > self.expires_on:
            return self.Status.EXPIRED
        return self.Status.VALID

    @property
    def status(self) -> str:
        return self.status_on(timezone.localdate())

    @property
    def status_label(self) -> str:
        return self.Status(self.status).label

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.VALID

    def verification_url(self) -> str:
        from django.urls import reverse

        base = settings.ATTUNE_PUBLIC_BASE_URL.rstrip("/")
        return base + reverse("verify:detail", args=[self.code])


class CompetencyReport(models.Model):
    """A unit's competency report as a PDF, requested by a manager or education lead.

    Rendering a large unit takes long enough that a background task builds it; this record
    is what the requester's browser checks until the file is ready (or the render failed,
    with the reason). It also keeps a dated copy of exactly what was handed to a surveyor.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    unit = models.ForeignKey(
        "training.Unit", on_delete=models.PROTECT, related_name="competency_reports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="competency_reports"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    as_of = models.DateField(help_text=_("The day the report's figures are for."))
    status = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    file = models.FileField(upload_to="reports/%Y/%m/", max_length=255, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    staff_count = models.PositiveIntegerField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["file"])

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["requested_by", "unit", "status"])]

    def __str__(self):
        return _("Competency report: %(unit)s as of %(as_of)s (%(status)s)") % {
            "unit": self.unit,
            "as_of": self.as_of,
            "status": self.get_status_display(),
        }

    @property
    def is_pending(self) -> bool:
        return self.status == self.State.PENDING

    @property
    def is_ready(self) -> bool:
        return self.status == self.State.READY

    @property
    def is_failed(self) -> bool:
        return self.status == self.State.FAILED


class VerificationThrottle(models.Model):
    """Points one client has spent on public verification in one time window.

    /verify/ needs no login, so it is rate-limited per client: nobody can try codes in bulk,
    and a flood cannot make the page expensive. Production runs many gunicorn workers on
    several hosts with PostgreSQL and no cache server, so the counter has to live in the
    database and be bumped in one atomic statement (`certificates/throttle.py`). The client
    is stored only as a keyed hash of its address, never the address itself. This is not a
    domain record (no history): rows older than the previous window are deleted whenever a
    new window opens for a client.
    """

    key = models.CharField(max_length=64, help_text=_("Keyed hash (HMAC) of the client address."))
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0, help_text=_("Points spent in this window."))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "window_start"], name="verification_throttle_key_window"
            )
        ]
        indexes = [models.Index(fields=["window_start"], name="verification_throttle_window")]

    def __str__(self):
        return f"{self.key[:12]}… {self.window_start:%Y-%m-%d %H:%M} ({self.count})"
