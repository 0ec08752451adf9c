"""Fixtures shared by the certificate tests."""

import datetime

import pytest
from django.utils import timezone

from training import schedule

from ..conftest import require


@pytest.fixture
def yearly(people, module):
    """The nurses' one-time requirement for the module is retired and a 12-month recurring
    one takes its place, so their certificates expire a year after completion."""
    people.requirement.active = False
    people.requirement.save()
    return require(
        module,
        roles=[people.nurse_role],
        frequency=schedule.RECURRING,
        interval_months=12,
        due_days=30,
        effective_from=timezone.localdate() - datetime.timedelta(days=365),
    )
