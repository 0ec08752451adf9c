"""People: roles, units and staff profiles."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Role(models.Model):
    """A clinical discipline (registered nurse, physician, social worker, ...).

    Requirements are set per role because what each discipline must learn differs.
    """

    name = models.CharField(max_length=100, unique=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Unit(models.Model):
    """A clinical unit (NICU, PICU, cardiology clinic, ...) and the people who manage it.

    Managers see the training records of the staff in their units and nothing else.
    """

    name = models.CharField(max_length=100, unique=True)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_units"
    )
    history = HistoricalRecords(m2m_fields=[managers])

    class Meta:
        ordering = ["name"]
        permissions = [
            ("view_all_reports", "Can view every unit's reports and learning evidence"),
            # Item analysis of module quizzes (Wagtail admin report); not tied to a unit.
            ("view_item_analysis", "Can view item analysis of module quizzes"),
        ]

    def __str__(self):
        return self.name


class StaffProfile(models.Model):
    """Makes a user a member of staff: their role and unit decide what they must learn."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="staff")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="staff")
    employee_id = models.CharField(max_length=50, unique=True)
    start_date = models.DateField(
        help_text=_("First day in this post, in the hospital's time zone.")
    )
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        permissions = [
            # The HR import page in the Wagtail admin (superusers have it anyway).
            ("import_staff", "Can import staff from an HR file"),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.employee_id})"

    @property
    def full_name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()
