"""Daily compliance snapshots, so a past day's compliance can be shown to an auditor."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ComplianceSnapshot(models.Model):
    """Counts of a unit's staff under one requirement at the end of one day.

    Written by the daily snapshot task (training.services.compliance_snapshot_take);
    taking a day's snapshot again replaces that day's counts. Figures are derived from the
    assignments (whose history is kept), so snapshots keep no history of their own.
    """

    taken_on = models.DateField()
    unit = models.ForeignKey("training.Unit", on_delete=models.CASCADE, related_name="snapshots")
    requirement = models.ForeignKey(
        "training.Requirement", on_delete=models.CASCADE, related_name="snapshots"
    )
    assigned = models.PositiveIntegerField(help_text=_("Active staff with the requirement."))
    compliant = models.PositiveIntegerField(help_text=_("Holding a valid completion."))
    overdue = models.PositiveIntegerField(help_text=_("Overdue or expired."))
    exempt = models.PositiveIntegerField()
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["-taken_on", "unit_id", "requirement_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["taken_on", "unit", "requirement"], name="one_snapshot_per_day"
            )
        ]

    def __str__(self):
        return f"{self.unit_id} – {self.requirement_id} – {self.taken_on}"

    @property
    def percent(self) -> int | None:
        """Compliance rate: compliant of those assigned and not exempt."""
        denominator = self.assigned - self.exempt
        return None if denominator <= 0 else (self.compliant * 100) // denominator
