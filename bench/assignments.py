"""Benchmark the assignment engine: prints figures, asserts nothing.

    .venv/bin/python bench/assignments.py [--sizes 500,2000,5000] [--requirements 10]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/attune_bench \
        .venv/bin/python bench/assignments.py

Builds a throwaway test database (SQLite by default, PostgreSQL with DATABASE_URL; the test
database is named after it and destroyed at the end), publishes one module per requirement
and makes requirements that every staff member falls under (a mix of one-time, recurring and
annual), so N staff hold N × requirements assignments. A third of the staff have passed each
module at some point in the last two years (attempts and completions are written in bulk as
bench data, not through the quiz). For each size it times, through
training.services.assignments_sync, with the query count of each:

- initial creation: every assignment written from nothing (a full recompute);
- no-op: a full recompute with nothing to change;
- one requirement changed: its days to complete changed, then the sync the Wagtail admin runs
  (scoped to that requirement), which moves every open first cycle under it;
- one person: the sync after a completion (nothing to change), after a deactivation (every
  open cycle ended) and after the reactivation (new cycles opened).
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def measure(fn, repeat=1):
    """Median milliseconds of `repeat` runs and the query count of the last, and its result."""
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            result = fn()
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), len(ctx.captured_queries), result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="500,2000,5000")
    parser.add_argument("--requirements", type=int, default=10)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(sizes, args.requirements)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def build_catalogue(count):
    from django.utils import timezone

    from cms.site_setup import setup_site
    from modules.content_io import CURRICULUM_DIR, load_file, module_fields
    from modules.models import TrainingModulePage
    from training.models import Requirement, Role, Unit

    _home, catalogue, _groups = setup_site()
    spec = load_file(CURRICULUM_DIR / "1-relationships-as-part-of-care.yaml")
    roles = [Role.objects.create(name=n) for n in ("Registered nurse", "Physician", "Therapist")]
    units = [Unit.objects.create(name=f"Unit {i}") for i in range(1, 6)]
    effective = timezone.localdate() - datetime.timedelta(days=3 * 365)
    requirements = []
    for i in range(count):
        page = TrainingModulePage(
            **module_fields(dict(spec, slug=f"bench-{i}", title=f"Bench module {i}"))
        )
        catalogue.add_child(instance=page)
        page.save_revision().publish()
        page.refresh_from_db()
        kind = ("once", "recurring", "annual")[i % 3]
        fields = {"frequency": kind, "due_days": 30 + i, "effective_from": effective}
        if kind == "recurring":
            fields["interval_months"] = 12 + 12 * (i % 2)
        if kind == "annual":
            fields.update(annual_month=1 + i, annual_day=28 + i % 4)
        requirement = Requirement(module=page, **fields)
        requirement.full_clean()
        requirement.save()
        # Half the requirements by role (all roles), half by unit (all units).
        if i % 2:
            requirement.roles.set(roles)
        else:
            requirement.units.set(units)
        requirements.append(requirement)
    return roles, units, requirements


def add_staff(start, stop, roles, units, modules):
    """Bulk-create staff `start`..`stop` (bench data); a third passed each module."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from training.models import Attempt, Completion, StaffProfile

    today = timezone.localdate()
    users = User.objects.bulk_create(
        [
            User(username=f"b{i}", first_name="Staff", last_name=f"Member {i:05d}")
            for i in range(start, stop)
        ]
    )
    if users and users[0].pk is None:  # databases that do not return ids
        users = list(User.objects.filter(username__startswith="b").order_by("pk")[start:stop])
    StaffProfile.objects.bulk_create(
        [
            StaffProfile(
                user=u,
                role=roles[i % len(roles)],
                unit=units[i % len(units)],
                employee_id=f"B{start + i:06d}",
                start_date=today - datetime.timedelta(days=30 + (start + i) % 3000),
            )
            for i, u in enumerate(users)
        ]
    )
    attempts = []
    for i, u in enumerate(users):
        for j, page in enumerate(modules):
            if (start + i + j) % 3:
                continue
            when = timezone.now() - datetime.timedelta(days=(start + i * 7 + j * 31) % 730)
            attempts.append(
                Attempt(
                    user=u,
                    module=page,
                    revision_id=page.live_revision_id,
                    questions=[],
                    pass_mark=80,
                    answers={},
                    correct_count=0,
                    score_percent=100,
                    passed=True,
                    started_at=when - datetime.timedelta(minutes=15),
                    submitted_at=when,
                )
            )
    attempts = Attempt.objects.bulk_create(attempts, batch_size=2000)
    if attempts and attempts[0].pk is None:
        attempts = list(Attempt.objects.filter(user__in=users).order_by("pk"))
    Completion.objects.bulk_create(
        [
            Completion(
                user_id=a.user_id,
                module_id=a.module_id,
                attempt=a,
                revision_id=a.revision_id,
                completed_at=a.submitted_at,
                completed_on=timezone.localdate(a.submitted_at),
            )
            for a in attempts
        ],
        batch_size=2000,
    )


def run(sizes, count):
    from django.utils import timezone

    from training import services
    from training.models import Assignment, StaffProfile

    roles, units, requirements = build_catalogue(count)
    modules = [r.module for r in requirements]
    print(f"database: {connection.vendor}; {count} requirements, every staff member in all")
    print(
        f"{'staff':>6} {'operation':<40} {'ms':>9} {'queries':>8} "
        f"{'created':>8} {'updated':>8} {'completed':>9}"
    )

    def line(size, label, ms, queries, result):
        print(
            f"{size:>6} {label:<40} {ms:>9.0f} {queries:>8} {result['created']:>8} "
            f"{result['updated']:>8} {result['completed']:>9}",
            flush=True,
        )

    made = 0
    for size in sizes:
        add_staff(made, size, roles, units, modules)
        made = size
        Assignment.history.all().delete()
        Assignment.objects.all().delete()

        line(size, "initial creation (full recompute)", *measure(services.assignments_sync))
        line(size, "no-op full recompute", *measure(services.assignments_sync, repeat=3))

        changed = requirements[0]
        changed.due_days += 7
        changed.save()
        line(
            size,
            "one requirement's due_days changed",
            *measure(partial(services.assignments_sync, requirement_ids=[changed.pk])),
        )

        person = StaffProfile.objects.order_by("pk").first()
        line(
            size,
            "one person, nothing to change",
            *measure(partial(services.assignments_sync, user_ids=[person.user_id]), repeat=5),
        )
        person.active = False
        person.save()
        line(
            size,
            "one person deactivated",
            *measure(partial(services.assignments_sync, user_ids=[person.user_id])),
        )
        person.active = True
        person.save()
        line(
            size,
            "one person reactivated",
            *measure(
                partial(
                    services.assignments_sync,
                    user_ids=[person.user_id],
                    joined_on=timezone.localdate(),
                )
            ),
        )
        print(f"{size:>6} assignment rows: {Assignment.objects.count()}", flush=True)


if __name__ == "__main__":
    main()
