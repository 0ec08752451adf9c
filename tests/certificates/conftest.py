"""Fixtures shared by the certificate tests."""

import datetime
import re

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


# The verification page's status: one large USWDS alert whose colour and heading say it.
_STATUS_ALERT = re.compile(
    r'<div class="usa-alert usa-alert--(?P<kind>[a-z]+) records-verify__status" '
    r'data-status="(?P<status>[a-z]+)">\s*<div class="usa-alert__body">\s*'
    r'<h2 class="usa-alert__heading">(?P<heading>[^<]*)</h2>'
)


def verify_status(html: str) -> tuple[str, str, str]:
    """(status, alert kind, heading) of the one status alert on a verification page."""
    found = _STATUS_ALERT.findall(html)
    assert len(found) == 1, found
    kind, status, heading = found[0]
    return status, kind, heading.strip()
