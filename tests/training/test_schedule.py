"""Schedule date arithmetic (training/schedule.py): month ends, 29 February, first due dates,
validity of recurring and annual completions, and every status with its boundary days."""

import datetime

import pytest

from training import schedule
from training.schedule import Schedule, add_months, annual_date, is_compliant, status_on

D = datetime.date


# --- add_months and annual_date --------------------------------------------------------------


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),  # month end clamps
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # leap year
        (D(2026, 1, 31), 2, D(2026, 3, 31)),  # clamping does not carry over
        (D(2026, 1, 31), 3, D(2026, 4, 30)),
        (D(2026, 8, 30), 6, D(2027, 2, 28)),
        (D(2027, 8, 30), 6, D(2028, 2, 29)),
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
        (D(2028, 2, 29), 48, D(2032, 2, 29)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),  # year boundary
        (D(2026, 11, 30), 14, D(2028, 1, 30)),
        (D(2026, 5, 31), 120, D(2036, 5, 31)),
        (D(2026, 3, 10), 0, D(2026, 3, 10)),
    ],
)
def test_add_months_clamps_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    "year, expected",
    [
        (2028, D(2028, 2, 29)),
        (2027, D(2027, 2, 28)),
        (2100, D(2100, 2, 28)),
        (2000, D(2000, 2, 29)),
    ],
)
def test_annual_29_february_falls_on_28_february_without_a_leap_day(year, expected):
    assert annual_date(year, 2, 29) == expected


def test_annual_date_on_an_ordinary_day():
    assert annual_date(2027, 12, 31) == D(2027, 12, 31)


# --- first due dates ---------------------------------------------------------------------------


def test_first_due_counts_from_the_start_date():
    s = Schedule(due_days=30, effective_from=D(2026, 1, 1))
    assert s.first_due(D(2026, 3, 1)) == D(2026, 3, 31)


def test_first_due_never_counts_from_before_the_requirement_takes_effect():
    s = Schedule(due_days=30, effective_from=D(2026, 6, 1))
    # Long-serving staff get the full 30 days from the day the requirement takes effect.
    assert s.first_due(D(2015, 4, 2)) == D(2026, 7, 1)


def test_first_due_with_zero_days_is_the_start_itself():
    assert Schedule(due_days=0, effective_from=D(2026, 1, 1)).first_due(D(2026, 2, 3)) == D(
        2026, 2, 3
    )


def test_annual_first_due_is_the_first_annual_date_once_the_days_run_out():
    s = Schedule(
        frequency=schedule.ANNUAL,
        due_days=30,
        annual_month=12,
        annual_day=31,
        effective_from=D(2026, 1, 1),
    )
    assert s.first_due(D(2026, 3, 1)) == D(2026, 12, 31)
    # Starting in mid-December leaves fewer than 30 days: next year's date.
    assert s.first_due(D(2026, 12, 15)) == D(2027, 12, 31)
    # Exactly 30 days before the date: the date itself.
    assert s.first_due(D(2026, 12, 1)) == D(2026, 12, 31)


def test_annual_first_due_on_29_february():
    s = Schedule(
        frequency=schedule.ANNUAL,
        due_days=0,
        annual_month=2,
        annual_day=29,
        effective_from=D(2026, 1, 1),
    )
    assert s.first_due(D(2026, 1, 10)) == D(2026, 2, 28)
    assert s.first_due(D(2027, 3, 1)) == D(2028, 2, 29)
    assert s.first_due(D(2028, 3, 1)) == D(2029, 2, 28)


def test_cycle_due_of_a_renewal_is_the_end_of_validity():
    s = Schedule(frequency=schedule.RECURRING, interval_months=24, effective_from=D(2026, 1, 1))
    assert s.cycle_due(starts_on=D(2026, 5, 31), renewal=True) == D(2028, 5, 31)
    assert s.cycle_due(starts_on=D(2026, 5, 1), renewal=False) == D(2026, 5, 31)


# --- validity ------------------------------------------------------------------------------------


def test_one_time_completion_is_valid_for_ever():
    assert Schedule().valid_until(D(2026, 5, 5)) is None


@pytest.mark.parametrize(
    "completed_on, months, expected",
    [
        (D(2026, 3, 15), 12, D(2027, 3, 15)),
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
        (D(2026, 11, 1), 24, D(2028, 11, 1)),
    ],
)
def test_recurring_validity_counts_from_the_completion(completed_on, months, expected):
    s = Schedule(frequency=schedule.RECURRING, interval_months=months)
    assert s.valid_until(completed_on) == expected


def _annual(month, day, grace=0):
    return Schedule(frequency=schedule.ANNUAL, annual_month=month, annual_day=day, grace_days=grace)


@pytest.mark.parametrize(
    "completed_on, expected",
    [
        (D(2026, 1, 2), D(2027, 12, 31)),  # any time in 2026 counts for 2026
        (D(2026, 12, 31), D(2027, 12, 31)),  # on the day itself
        (D(2027, 1, 1), D(2028, 12, 31)),  # the day after counts for the next year
    ],
)
def test_annual_validity_runs_to_the_next_years_date(completed_on, expected):
    assert _annual(12, 31).valid_until(completed_on) == expected


def test_annual_validity_on_29_february():
    s = _annual(2, 29)
    assert s.valid_until(D(2027, 2, 1)) == D(2028, 2, 29)
    assert s.valid_until(D(2028, 2, 29)) == D(2029, 2, 28)
    assert s.valid_until(D(2027, 3, 1)) == D(2029, 2, 28)  # counts for 2028


def test_annual_completion_in_the_grace_period_counts_for_the_year_just_due():
    """Completing in January within a 30-day grace of a 31 December date counts for the
    December just past, so next year's training is still due; no one trains every other
    year by always completing in the grace period."""
    s = _annual(12, 31, grace=30)
    assert s.valid_until(D(2027, 1, 20)) == D(2027, 12, 31)
    assert s.valid_until(D(2027, 1, 30)) == D(2027, 12, 31)  # last day of grace
    assert s.valid_until(D(2027, 1, 31)) == D(2028, 12, 31)  # after the grace: next year's
    assert s.valid_until(D(2026, 12, 1)) == D(2027, 12, 31)


# --- status on a day -----------------------------------------------------------------------------

DUE = D(2027, 6, 30)


def status(today, **kw):
    kw.setdefault("grace_days", 7)
    kw.setdefault("due_soon_days", 30)
    return status_on(today=today, due_on=DUE, **kw)


def test_not_started_and_in_progress_before_the_window():
    assert status(D(2027, 5, 30)) == schedule.NOT_STARTED  # 31 days before
    assert status(D(2027, 5, 30), started=True) == schedule.IN_PROGRESS


def test_due_soon_window_opens_exactly_due_soon_days_before():
    assert status(D(2027, 5, 31)) == schedule.DUE_SOON
    assert status(D(2027, 5, 31), started=True) == schedule.DUE_SOON
    assert status(DUE) == schedule.DUE_SOON


def test_grace_period_last_day_is_still_due_soon_and_the_next_day_overdue():
    assert status(D(2027, 7, 7)) == schedule.DUE_SOON  # due + 7 grace days
    assert status(D(2027, 7, 8)) == schedule.OVERDUE
    assert status(D(2027, 7, 1), grace_days=0) == schedule.OVERDUE


def test_renewal_is_completed_then_due_soon_then_expired():
    assert status(D(2027, 5, 30), renewal=True) == schedule.COMPLETED
    assert status(D(2027, 5, 31), renewal=True) == schedule.DUE_SOON
    assert status(D(2027, 7, 7), renewal=True) == schedule.DUE_SOON
    assert status(D(2027, 7, 8), renewal=True) == schedule.EXPIRED


def test_completed_stays_completed_while_valid():
    done = D(2026, 6, 1)
    assert status(D(2030, 1, 1), completed_on=done) == schedule.COMPLETED  # one time
    assert status(DUE, completed_on=done, valid_until=DUE) == schedule.COMPLETED
    assert (
        status(D(2027, 7, 8), completed_on=done, valid_until=DUE, renewal=True) == schedule.EXPIRED
    )


def test_exempt_wins_over_everything():
    assert status(D(2030, 1, 1), exempt=True) == schedule.EXEMPT
    assert status(D(2030, 1, 1), exempt=True, renewal=True) == schedule.EXEMPT


def test_compliance():
    assert is_compliant(schedule.COMPLETED, renewal=False)
    assert is_compliant(schedule.DUE_SOON, renewal=True)  # the completion still holds
    assert not is_compliant(schedule.DUE_SOON, renewal=False)
    assert not is_compliant(schedule.EXPIRED, renewal=True)
    assert not is_compliant(schedule.OVERDUE, renewal=False)
    assert not is_compliant(schedule.EXEMPT, renewal=False)
