"""Requirements, and the assignments that keep each person's obligations true."""

from __future__ import annotations

import calendar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import schedule
from .people import Role, Unit


class Status(models.TextChoices):
    """An assignment's status on a given day (see training/schedule.py)."""

    NOT_STARTED = schedule.NOT_STARTED, _("Not started")
    IN_PROGRESS = schedule.IN_PROGRESS, _("In progress")
    COMPLETED = schedule.COMPLETED, _("Completed")
    DUE_SOON = schedule.DUE_SOON, _("Due soon")
    OVERDUE = schedule.OVERDUE, _("Overdue")
    EXPIRED = schedule.EXPIRED, _("Expired")
    EXEMPT = schedule.EXEMPT, _("Exempt")


class ModuleSet(models.Model):
    """A named group of modules required together ("Annual relational health bundle").

    A requirement on a set is met when every published module in it has been completed
    in the cycle.
    """

    name = models.CharField(max_length=200, unique=True)
    modules = models.ManyToManyField("modules.TrainingModulePage", related_name="module_sets")
    history = HistoricalRecords(m2m_fields=[modules])

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Requirement(models.Model):
    """What an audience must complete, and when: a module or a set × roles/units × schedule.

    The audience is everyone whose role is in `roles` (any role if none are chosen) and
    whose unit is in `units` (any unit if none are chosen); at least one of the two must be
    chosen. Each person in the audience gets assignments, one per cycle, kept true by
    training.services.assignments_sync whenever the requirement, its modules or the person
    change.
    """

    class Frequency(models.TextChoices):
        ONCE = schedule.ONCE, _("One time")
        RECURRING = schedule.RECURRING, _("Every N months after the last completion")
        ANNUAL = schedule.ANNUAL, _("Every year by a fixed date")

    class DueBasis(models.TextChoices):
        START_DATE = schedule.START_DATE, _("Days after the person's start date")
        ASSIGNED = schedule.ASSIGNED, _("Days after the requirement is assigned to the person")

    name = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Shown to staff and managers. Leave empty to use the module's or set's title."),
    )
    module = models.ForeignKey(
        "modules.TrainingModulePage",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="requirements",
    )
    module_set = models.ForeignKey(
        ModuleSet,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="requirements",
        help_text=_("Choose a module or a set of modules, not both."),
    )
    roles = models.ManyToManyField(
        Role, blank=True, related_name="requirements", help_text=_("Leave empty for every role.")
    )
    units = models.ManyToManyField(
        Unit, blank=True, related_name="requirements", help_text=_("Leave empty for every unit.")
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.ONCE)
    due_basis = models.CharField(
        _("first due date counts from"),
        max_length=10,
        choices=DueBasis.choices,
        default=DueBasis.START_DATE,
    )
    due_days = models.PositiveIntegerField(
        _("days to complete"),
        default=30,
        validators=[MinValueValidator(0), MaxValueValidator(3650)],
        help_text=_("Days a person has for the first completion."),
    )
    interval_months = models.PositiveSmallIntegerField(
        _("renew every (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("For recurring requirements: months a completion stays valid."),
    )
    annual_month = models.PositiveSmallIntegerField(
        _("annual due month"),
        null=True,
        blank=True,
        choices=list(MONTHS.items()),
    )
    annual_day = models.PositiveSmallIntegerField(
        _("annual due day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("29 February falls on 28 February in years without one."),
    )
    grace_days = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(365)],
        help_text=_("Days after the due date before a person counts as overdue."),
    )
    effective_from = models.DateField(
        default=timezone.localdate,
        help_text=_("Counting from a start date, staff who started earlier count from this date."),
    )
    active = models.BooleanField(
        default=True,
        help_text=_(
            "Retire a requirement by unticking this; its record of who was required stays."
        ),
    )
    history = HistoricalRecords(m2m_fields=[roles, units])

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(module__isnull=False, module_set__isnull=True)
                    | models.Q(module__isnull=True, module_set__isnull=False)
                ),
                name="requirement_module_or_set",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        if self.name:
            return self.name
        if self.module_id:
            return self.module.title
        if self.module_set_id:
            return self.module_set.name
        return gettext("New requirement")

    def as_schedule(self) -> schedule.Schedule:
        return schedule.Schedule(
            frequency=self.frequency,
            due_basis=self.due_basis,
            due_days=self.due_days,
            interval_months=self.interval_months,
            annual_month=self.annual_month,
            annual_day=self.annual_day,
            grace_days=self.grace_days,
            effective_from=self.effective_from,
        )

    def describe_schedule(self) -> str:
        days = {"days": self.due_days}
        if self.due_basis == schedule.START_DATE:
            first = (
                ngettext(
                    "within %(days)s day of starting",
                    "within %(days)s days of starting",
                    self.due_days,
                )
                % days
            )
        else:
            first = (
                ngettext(
                    "within %(days)s day of assignment",
                    "within %(days)s days of assignment",
                    self.due_days,
                )
                % days
            )
        if self.frequency == schedule.RECURRING:
            return ngettext(
                "%(first)s, then every %(months)s month",
                "%(first)s, then every %(months)s months",
                self.interval_months or 0,
            ) % {"first": first, "months": self.interval_months}
        if self.frequency == schedule.ANNUAL and self.annual_month:
            return gettext("%(first)s, then every year by %(day)s %(month)s") % {
                "first": first,
                "day": self.annual_day,
                "month": MONTHS[self.annual_month],
            }
        return first

    def clean(self):
        errors = {}
        if bool(self.module_id) == bool(self.module_set_id):
            errors["module"] = gettext("Choose a module or a set of modules (one of the two).")
        if self.frequency == schedule.RECURRING and not self.interval_months:
            errors["interval_months"] = gettext("Say how many months a completion stays valid.")
        if self.frequency != schedule.RECURRING and self.interval_months:
            errors["interval_months"] = gettext("Only recurring requirements renew every N months.")
        if self.frequency == schedule.ANNUAL:
            if not self.annual_month or not self.annual_day:
                errors["annual_day"] = gettext("Give the month and day of the annual due date.")
            elif self.annual_day > calendar.monthrange(2024, self.annual_month)[1]:
                errors["annual_day"] = gettext("%(month)s has no day %(day)s.") % {
                    "month": MONTHS[self.annual_month],
                    "day": self.annual_day,
                }
        elif self.annual_month or self.annual_day:
            errors["annual_day"] = gettext("Only annual requirements have a fixed annual date.")
        if self.pk and "frequency" not in errors:
            before = type(self).objects.filter(pk=self.pk).values_list("frequency", flat=True)
            if before and before[0] != self.frequency and self.assignments.exists():
                errors["frequency"] = gettext(
                    "Staff already have assignments under this requirement, so how often it "
                    "recurs cannot change. Retire it and create a new requirement instead."
                )
        if errors:
            raise ValidationError(errors)


class Assignment(models.Model):
    """One person's obligation under a requirement, for one cycle.

    Rows are written only by training.services (the assignment engine, exemptions and
    extensions), each change recorded in history with who and why. A person has at most one
    `current` assignment per requirement: the open cycle, or the completed cycle of a
    one-time requirement. When a recurring cycle is completed the next cycle opens at once,
    due when the completion stops being valid. An assignment whose person leaves the
    audience (role or unit change, deactivation, requirement or module retired) is ended,
    not deleted.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    requirement = models.ForeignKey(
        Requirement, on_delete=models.PROTECT, related_name="assignments"
    )
    cycle = models.PositiveIntegerField()
    current = models.BooleanField(default=True)
    assigned_on = models.DateField(help_text=_("The day this cycle was assigned."))
    joined_on = models.DateField(
        null=True,
        blank=True,
        help_text=_(
            "The day the person joined the audience after starting (a role or unit "
            "change, a reactivation); empty when they were in it from their start date."
        ),
    )
    starts_on = models.DateField(
        help_text=_(
            "The day this cycle's clock starts: the start date (or the day the person "
            "joined the audience), the assignment date, or the completion a renewal follows."
        )
    )
    due_on = models.DateField(help_text=_("Due date set by the schedule."))
    extended_to = models.DateField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    exempt = models.BooleanField(default=False)
    exempt_reason = models.TextField(blank=True)
    counts_from = models.DateTimeField(
        null=True, blank=True, help_text=_("Completions after this moment count for this cycle.")
    )
    renews_until = models.DateField(
        null=True,
        blank=True,
        help_text=_("A renewal cycle: the previous completion is valid until this date."),
    )
    completion = models.ForeignKey(
        "training.Completion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
    )
    completed_on = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["requirement_id", "user_id", "cycle"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "requirement", "cycle"], name="one_assignment_per_cycle"
            ),
            models.UniqueConstraint(
                fields=["user", "requirement"],
                condition=models.Q(current=True),
                name="one_current_assignment",
            ),
        ]
        indexes = [
            models.Index(fields=["requirement", "current"]),
            models.Index(fields=["user", "current"]),
        ]

    def __str__(self):
        return gettext("%(user)s – %(requirement)s – cycle %(cycle)s") % {
            "user": self.user,
            "requirement": self.requirement_id,
            "cycle": self.cycle,
        }

    @property
    def due_date(self):
        """The due date in force: an extension replaces the scheduled date."""
        return self.extended_to or self.due_on

    @property
    def renewal(self) -> bool:
        return self.renews_until is not None

    def status_on(self, today, *, due_soon_days: int, started: bool = False) -> str:
        return schedule.status_on(
            today=today,
            due_on=self.due_date,
            grace_days=self.requirement.grace_days,
            due_soon_days=due_soon_days,
            completed_on=self.completed_on,
            valid_until=self.valid_until,
            renewal=self.renewal,
            started=started,
            exempt=self.exempt,
        )
