"""The log of reminder emails: what was sent to whom, and the key that stops repeats."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class ReminderLog(models.Model):
    """One reminder email sent (or tried).

    `key` names the event the email is about (this assignment due soon for this due date;
    this manager's digest for this week); it is unique, so no event is emailed twice, even
    when two workers run the same task at once.
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")
        DIGEST = "digest", _("Manager's weekly digest")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=200, unique=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reminders"
    )
    email = models.EmailField()
    assignment = models.ForeignKey(
        "training.Assignment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminders",
    )
    subject = models.CharField(max_length=300)
    sent_at = models.DateTimeField()
    error = models.TextField(blank=True, help_text=_("Why sending failed, if it did."))

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["kind", "sent_at"])]

    def __str__(self):
        return gettext("%(kind)s to %(email)s (%(date)s)") % {
            "kind": self.get_kind_display(),
            "email": self.email,
            "date": f"{self.sent_at:%Y-%m-%d}",
        }
