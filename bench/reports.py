"""Benchmark the competency reports (issue 6): prints figures, asserts nothing.

    .venv/bin/python bench/reports.py [--sizes 50,500,5000] [--requirements 40] [--units 10]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/attune_benchreports \
        .venv/bin/python bench/reports.py

Builds a throwaway test database (SQLite by default, PostgreSQL with DATABASE_URL; the test
database is named after it and destroyed at the end) and publishes one module per
requirement. Every staff member is in the audience of every requirement (a mix of one-time,
recurring every 12 or 24 months and annual; a few introduced a fortnight ago), so N staff
hold N × requirements current assignments. Staff, attempts and completions are written in
bulk as bench data (most long-serving staff passed each module in the last two years, some
failed first, some have an open attempt, a few are new starters); the assignments are then
written by training.services.assignments_sync, as the engine would, and about 1 in 30 open
cycles is exempted through the same history helper the exemption service uses. A year of
daily compliance snapshots is generated from today's (taken by the real service), so the
trend charts have data to read.

Statistics are refreshed (ANALYZE) after every bulk change, as autovacuum would in
production. For each size, with the staff spread over --units units, it times through
Django's test client (median of --repeat warm requests after one warm-up; wall clock, and
this process's CPU time, which leaves out the database server's; with the query count):

- /reports/organisation/ as an education lead;
- /reports/units/<id>/ first page (50 per page) as the unit's manager, plain and with
  ?status=late&sort=late;
- /reports/ as a manager and as a lead; /reports/people/<id>/ as a lead;
- the whole-organisation staff × requirement CSV (?export=csv&table=staff, streamed and
  consumed in full): time, cells written (rows × requirement columns), queries, and memory:
  the tracemalloc peak of one traced run, and the peak RSS growth of a fresh process that
  reads the export once after a small warm-up export (VmHWM reset through
  /proc/self/clear_refs; ru_maxrss where there is no /proc). A fresh process, because this
  one's RSS already holds the memory the bench data left free, which hides any growth;
- the XLSX of the same table: time and the same two memory figures.

Then every staff member is moved into one unit (the audience is by role, so assignments do
not change) and the unit pages are timed again for that one huge unit.

--slow N also prints each page's N slowest SQL queries (with their time), to find out which
query a slow page waits on. PGOPTIONS="-c jit=off" runs the same with PostgreSQL's JIT off.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

FIRST_NAMES = ["Amara", "Ben", "Chloe", "Dev", "Elena", "Farah", "Gus", "Hana", "Ivo", "Jun"]
SURNAMES = [
    "Okafor",
    "Petrova",
    "Reyes",
    "Nguyen",
    "Smith",
    "Kowalski",
    "Haddad",
    "Mensah",
    "Tanaka",
    "Silva",
    "Brown",
    "Larsen",
    "Ali",
    "Murphy",
    "Rossi",
    "Cohen",
]
NEW_STARTER_EVERY = 12  # one in twelve staff started in the last 50 days
EXEMPT_EVERY = 30  # about one open cycle in thirty is exempted


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
    parser.add_argument("--sizes", default="50,500,5000")
    parser.add_argument("--requirements", type=int, default=40)
    parser.add_argument("--units", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5, help="warm requests per page")
    parser.add_argument("--export-repeat", type=int, default=3, help="timed runs per export")
    parser.add_argument("--snapshot-days", type=int, default=365)
    parser.add_argument("--slow", type=int, default=0, help="print each page's N slowest SQL")
    parser.add_argument("--child-export", help=argparse.SUPPRESS)  # see export_rss
    args = parser.parse_args()
    if args.child_export:
        child_export(args.child_export)
        return
    sizes = [int(s) for s in args.sizes.split(",")]

    setup_test_environment()
    if connection.vendor == "sqlite":  # a file, so that a second process can read it
        test = connection.settings_dict.setdefault("TEST", {})
        test["NAME"] = str(Path(tempfile.mkdtemp(prefix="attune-bench-")) / "reports.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(sizes, args)
    finally:
        test_name = connection.settings_dict["NAME"]
        connection.creation.destroy_test_db(old_name, verbosity=0)
        if connection.vendor == "sqlite":
            Path(test_name).parent.rmdir()


# --- bench data ---------------------------------------------------------------------------


def build_catalogue(count, unit_count):
    """Roles, units, one published module and one requirement per module (every role), the
    education lead and a manager of the first unit."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from cms.site_setup import EDUCATION_LEADS, setup_site
    from modules.content_io import CURRICULUM_DIR, load_file, module_fields
    from modules.models import TrainingModulePage
    from training.models import Requirement, Role, Unit

    _home, catalogue, groups = setup_site()
    spec = load_file(CURRICULUM_DIR / "1-relationships-as-part-of-care.yaml")
    roles = [Role.objects.create(name=n) for n in ("Registered nurse", "Physician", "Therapist")]
    units = [Unit.objects.create(name=f"Unit {i:02d}") for i in range(1, unit_count + 1)]
    today = timezone.localdate()
    requirements = []
    for j in range(count):
        page = TrainingModulePage(
            **module_fields(dict(spec, slug=f"bench-{j}", title=f"Bench module {j:02d}"))
        )
        catalogue.add_child(instance=page)
        page.save_revision().publish()
        page.refresh_from_db()
        kind = ("once", "recurring", "recurring", "annual")[j % 4]
        fields = {
            "frequency": kind,
            "due_days": 30 + j % 40,
            "grace_days": 14 if j % 3 == 0 else 0,
            # Most have been in force for years; one in ten was introduced a fortnight ago.
            "effective_from": today - datetime.timedelta(days=15 if j % 10 == 9 else 3 * 365),
        }
        if kind == "recurring":
            fields["interval_months"] = 12 if j % 8 == 1 else 24
        if kind == "annual":
            fields.update(annual_month=1 + j % 12, annual_day=1 + j % 28)
        requirement = Requirement(module=page, **fields)
        requirement.full_clean()
        requirement.save()
        requirement.roles.set(roles)
        requirements.append(requirement)

    lead = User.objects.create(username="bench-lead")
    lead.groups.add(groups[EDUCATION_LEADS])
    manager = User.objects.create(username="bench-manager")
    units[0].managers.add(manager)
    return roles, units, requirements, lead, manager


def _outcome(i, j, new_starter, age):
    """What staff member i (in post for `age` days) has done about module j: ("passed",
    days ago, failed first), ("open", days ago) or None. Deterministic, spread like a
    hospital's record."""
    h = (i * 7919 + j * 104729 + (i * j) % 97) % 1000
    if new_starter:
        if h < 300:
            return ("passed", h % (age + 1), h % 4 == 0)
        if h < 550:
            return ("open", h % (min(age, 10) + 1))
        return None
    if h < 640:  # passed in the last 11 months
        return ("passed", (h * 7 + i) % 335, h % 5 == 0)
    if h < 860:  # passed 11 to 25 months ago (12-month renewals due soon or expired)
        return ("passed", 335 + (h * 3 + i) % 400, h % 5 == 0)
    if h < 910:
        return ("open", h % 60)
    return None


def add_staff(start, stop, roles, units, modules):
    """Bulk-create staff `start`..`stop` with their attempts and completions (bench data)."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from training.models import Attempt, Completion, StaffProfile

    today = timezone.localdate()
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(
                username=f"s{i}",
                first_name=FIRST_NAMES[i % len(FIRST_NAMES)],
                last_name=f"{SURNAMES[(i * 7) % len(SURNAMES)]}-{i:05d}",
            )
            for i in range(start, stop)
        ]
    )
    if users and users[0].pk is None:  # databases that do not return ids
        users = list(User.objects.filter(username__startswith="s").order_by("pk")[start:stop])
    profiles = []
    ages = {}
    for i, u in enumerate(users, start=start):
        new = i % NEW_STARTER_EVERY == 0
        age = ages[i] = (i // NEW_STARTER_EVERY * 5) % 50 if new else 400 + (i * 37) % 3000
        profiles.append(
            StaffProfile(
                user=u,
                role=roles[i % len(roles)],
                unit=units[i % len(units)],
                employee_id=f"E{i:06d}",
                start_date=today - datetime.timedelta(days=age),
            )
        )
    StaffProfile.objects.bulk_create(profiles)

    attempts = []
    for i, u in enumerate(users, start=start):
        new = i % NEW_STARTER_EVERY == 0
        for j, page in enumerate(modules):
            outcome = _outcome(i, j, new, ages[i])
            if outcome is None:
                continue
            when = now - datetime.timedelta(days=outcome[1], minutes=(i * 13 + j) % 600)
            common = {"user": u, "module": page, "revision_id": page.live_revision_id}
            common.update(questions=[], pass_mark=80)
            if outcome[0] == "open":
                attempts.append(Attempt(**common, started_at=when))
                continue
            if outcome[2]:  # failed once, two days before passing
                failed_at = when - datetime.timedelta(days=2)
                attempts.append(
                    Attempt(
                        **common,
                        answers={},
                        correct_count=6,
                        score_percent=60,
                        passed=False,
                        started_at=failed_at - datetime.timedelta(minutes=15),
                        submitted_at=failed_at,
                    )
                )
            attempts.append(
                Attempt(
                    **common,
                    answers={},
                    correct_count=10,
                    score_percent=90 + (i + j) % 11,
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
            if a.passed
        ],
        batch_size=2000,
    )
    return [u.pk for u in users]


def exempt_some(user_ids, lead):
    """Exempt about one open cycle in EXEMPT_EVERY of these people, recorded in history as
    training.services.assignment_exempt records it (bulk, for speed)."""
    from simple_history.utils import bulk_update_with_history

    from training.models import Assignment

    rows = [
        a
        for a in Assignment.objects.filter(
            user_id__in=user_ids, current=True, completed_on__isnull=True, renews_until__isnull=True
        )
        if (a.user_id * 31 + a.requirement_id) % EXEMPT_EVERY == 0
    ]
    reason = "Holds the equivalent training from another hospital"
    for a in rows:
        a.exempt = True
        a.exempt_reason = reason
    bulk_update_with_history(
        rows,
        Assignment,
        ["exempt", "exempt_reason"],
        batch_size=1000,
        default_user=lead,
        default_change_reason=f"Exempted: {reason}",
    )
    return len(rows)


def make_snapshots(days):
    """Today's snapshot by the real service, then `days - 1` earlier days derived from it
    (compliance drifting up over the year), replacing any earlier ones."""
    from django.utils import timezone

    from training.models import ComplianceSnapshot
    from training.services import compliance_snapshot_take

    today = timezone.localdate()
    ComplianceSnapshot.objects.all().delete()
    compliance_snapshot_take(day=today)
    base = list(ComplianceSnapshot.objects.filter(taken_on=today))
    rows = []
    for back in range(1, days):
        for s in base:
            behind = min(s.compliant, (s.assigned * back) // (days * 5))
            rows.append(
                ComplianceSnapshot(
                    taken_on=today - datetime.timedelta(days=back),
                    unit_id=s.unit_id,
                    requirement_id=s.requirement_id,
                    assigned=s.assigned,
                    compliant=s.compliant - behind,
                    overdue=min(s.assigned - s.exempt, s.overdue + behind),
                    exempt=s.exempt,
                    taken_at=s.taken_at - datetime.timedelta(days=back),
                )
            )
    ComplianceSnapshot.objects.bulk_create(rows, batch_size=5000)
    return len(rows) + len(base)


def status_mix(ctx):
    """Share of each status among the current assignments of active staff (to do split into
    in progress and not started by whether the person started a module in the cycle)."""
    from django.db.models import Count, F

    from training import reporting
    from training.models import Assignment

    rows = (
        ctx.annotate(Assignment.objects.filter(current=True, user__staff_profile__active=True))
        .alias(started=reporting._started_exists())
        .annotate(s=F("status"), begun=F("started"))
        .values_list("s", "begun")
        .annotate(n=Count("pk"))
        .order_by()
    )
    mix = {}
    for status, begun, n in rows:
        if status == reporting.TO_DO:
            status = "in_progress" if begun else "not_started"
        mix[status] = mix.get(status, 0) + n
    return mix


# --- measuring ----------------------------------------------------------------------------


def _consume(response):
    """Read the whole body chunk by chunk (as a server would); bytes and line count."""
    size = lines = 0
    content = response.streaming_content if response.streaming else [response.content]
    for chunk in content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    return size, lines


def page(client, url, repeat, slow=0):
    """Median wall-clock ms and median CPU ms of this process (Python; the database server's
    time is not in it) of `repeat` warm requests after one to warm caches, and the query
    count of the last."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times, cpu, queries, worst = [], [], 0, []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            _consume(response)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx.captured_queries)
        worst = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:slow]
    for q in worst:
        print(f"         {float(q['time']) * 1000:8.1f} ms  {q['sql'][:600]}")
    return statistics.median(times), statistics.median(cpu), queries


def page_line(label, client, url, args):
    """Measure a page, print its line, return (ms, queries)."""
    ms, cpu, queries = page(client, url, args.repeat, args.slow)
    print(
        f"   {label:<36} {ms:>8.1f} {cpu:>8.1f} {queries:>8}  {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    return ms, queries


def _rss_kb(field):
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(found.group(1)) if found else None


def _reset_peak_rss() -> bool:
    """Reset the process's peak RSS (VmHWM) to its current RSS; False where not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def child_export(url):
    """In a fresh process (see export_rss): warm up with a small export, then read `url` in
    full; print the RSS before it and the peak RSS during it, in kB."""
    from django.contrib.auth.models import User

    setup_test_environment()
    client = Client()
    client.force_login(User.objects.get(username="bench-lead"))
    _consume(client.get(url.replace("table=staff", "table=units")))  # imports, first queries
    before = _rss_kb("VmRSS")
    if before is not None and _reset_peak_rss():
        _consume(client.get(url))
        peak = _rss_kb("VmHWM")
    else:  # no /proc: the process's peak so far (it includes start-up)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        _consume(client.get(url))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(before, peak)


def export_rss(url):
    """RSS of a fresh process reading `url` (MB before, MB growth at the peak). A fresh
    process, because this one's RSS already holds the memory the bench data left free."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        database = f"sqlite:///{settings['NAME']}"
    else:
        user = quote(settings["USER"] or "", safe="")
        password = quote(settings["PASSWORD"] or "", safe="")
        database = (
            f"postgres://{user}:{password}@{settings['HOST'] or 'localhost'}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}"
        )
    done = subprocess.run(  # noqa: S603 (this script, run by this interpreter)
        [sys.executable, __file__, "--child-export", url],
        env=dict(os.environ, DATABASE_URL=database),
        capture_output=True,
        text=True,
        check=True,
    )
    before, peak = (int(v) for v in done.stdout.split()[-2:])
    return before / 1024, (peak - before) / 1024


def export(client, url, repeat):
    """Time an export end to end (the request and reading the whole body), then memory.

    Returns ms and CPU ms (medians), bytes, lines, queries, the tracemalloc peak of one
    traced run (MB: Python objects, most of what grows with rows) and the RSS of a fresh
    process before and its growth at the peak during one run (MB)."""
    times, cpu = [], []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            size, lines = _consume(response)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    queries = len(ctx.captured_queries)

    tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    _consume(client.get(url))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_before, rss_growth = export_rss(url)
    return (
        statistics.median(times),
        statistics.median(cpu),
        size,
        lines,
        queries,
        (peak - base) / 2**20,
        rss_before,
        rss_growth,
    )


def analyze():
    """Refresh the planner's statistics after bulk writes, as autovacuum does in production
    (the local PostgreSQL may run with autovacuum off; SQLite never gathers them itself)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def database_line():
    if connection.vendor != "postgresql":
        return f"{connection.vendor} {connection.Database.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
        cursor.execute("SHOW work_mem")
        work_mem = cursor.fetchone()[0]
    return f"postgresql {version} (jit {jit}, work_mem {work_mem})"


def run(sizes, args):
    from django.utils import timezone

    from training import reporting, services
    from training.models import Assignment, StaffProfile, Unit

    started = time.perf_counter()
    roles, units, requirements, lead, manager = build_catalogue(args.requirements, args.units)
    modules = [r.module for r in requirements]
    lead_client, manager_client = Client(), Client()
    lead_client.force_login(lead)
    manager_client.force_login(manager)
    print(
        f"database: {database_line()}; {args.requirements} requirements, every staff member "
        f"in all; {args.units} units; {os.cpu_count()} CPUs; catalogue built in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    print("ms: median wall clock; cpu: this process's CPU ms (not the database server's)")

    made = 0
    summary = []
    for size in sizes:
        started = time.perf_counter()
        user_ids = add_staff(made, size, roles, units, modules)
        made = size
        synced = services.assignments_sync(reason="Bench data")
        exempted = exempt_some(user_ids, lead)
        snapshots = make_snapshots(args.snapshot_days)
        analyze()
        gc.collect()  # the bench data's garbage, not the pages'
        ctx = reporting.Context.load(timezone.localdate())
        mix = status_mix(ctx)
        current = sum(mix.values())
        print(
            f"\n== {size:,} staff: {current:,} current assignments "
            f"({Assignment.objects.count():,} rows; sync created {synced['created']:,}), "
            f"{exempted:,} exempted now, {snapshots:,} snapshot rows; "
            f"built in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        print(
            "   status mix: "
            + ", ".join(f"{k} {100 * v / current:.1f}%" for k, v in sorted(mix.items())),
            flush=True,
        )
        unit = units[0]
        unit_size = StaffProfile.objects.filter(unit=unit, active=True).count()
        person = StaffProfile.objects.filter(unit=unit).order_by("pk")[1]
        pages = [
            ("organisation", "organisation (lead)", lead_client, "/reports/organisation/"),
            (
                "unit page 1",
                f"unit of {unit_size}, page 1",
                manager_client,
                f"/reports/units/{unit.pk}/",
            ),
            (
                "unit late, by late",
                f"unit of {unit_size}, late, by late",
                manager_client,
                f"/reports/units/{unit.pk}/?status=late&sort=late",
            ),
            ("home (manager)", "reports home (manager)", manager_client, "/reports/"),
            ("home (lead)", "reports home (lead)", lead_client, "/reports/"),
            (
                "transcript",
                "person transcript (lead)",
                lead_client,
                f"/reports/people/{person.user_id}/",
            ),
        ]
        rows = {}
        print(f"   {'page':<36} {'ms':>8} {'cpu':>8} {'queries':>8}  load", flush=True)

        for key, label, client, url in pages:
            rows[key] = page_line(label, client, url, args)

        # One unit holding everyone: the audience is by role, so assignments do not change.
        huge = Unit.objects.create(name="Whole hospital")
        huge_manager = type(lead).objects.create(username=f"bench-huge-manager-{size}")
        huge.managers.add(huge_manager)
        huge_client = Client()
        huge_client.force_login(huge_manager)
        homes = dict(StaffProfile.objects.values_list("pk", "unit_id"))
        StaffProfile.objects.update(unit=huge)
        make_snapshots(args.snapshot_days)
        analyze()
        rows["one unit page 1"] = page_line(
            f"one unit of {size}, page 1", huge_client, f"/reports/units/{huge.pk}/", args
        )
        rows["one unit late, by late"] = page_line(
            f"one unit of {size}, late, by late",
            huge_client,
            f"/reports/units/{huge.pk}/?status=late&sort=late",
            args,
        )
        profiles = list(StaffProfile.objects.all())
        for p in profiles:
            p.unit_id = homes[p.pk]
        StaffProfile.objects.bulk_update(profiles, ["unit"], batch_size=1000)
        huge.delete()
        make_snapshots(args.snapshot_days)
        analyze()

        columns = args.requirements
        print(
            f"   {'export':<24} {'ms':>8} {'cpu':>8} {'queries':>8} {'rows':>6} {'cells':>8} "
            f"{'MB':>5} {'traced peak MB':>15} {'fresh RSS MB':>13} {'RSS growth MB':>14}",
            flush=True,
        )
        for fmt in ("csv", "xlsx"):
            url = f"/reports/organisation/?export={fmt}&table=staff"
            ms, cpu, size_bytes, lines, queries, traced, rss_before, rss_growth = export(
                lead_client, url, args.export_repeat
            )
            staff_rows = lines - 1 if fmt == "csv" else size
            cells = staff_rows * columns
            rows[f"{fmt.upper()} export"] = (ms, queries, cells, traced, rss_growth)
            print(
                f"   {'organisation staff ' + fmt.upper():<24} {ms:>8.0f} {cpu:>8.0f} "
                f"{queries:>8} {staff_rows:>6} {cells:>8,} {size_bytes / 2**20:>5.1f} "
                f"{traced:>15.1f} {rss_before:>13.0f} {rss_growth:>14.1f}",
                flush=True,
            )
        summary.append((size, rows))

    print("\nsummary (ms / queries):")
    print(f"   {'':<28}" + "".join(f"{size:>16,}" for size, _ in summary))
    for label in summary[0][1]:
        cells = [f"{rows[label][0]:>9.0f} / {rows[label][1]:<4}" for _size, rows in summary]
        print(f"   {label:<28}" + "".join(f"{c:>16}" for c in cells))
    for fmt in ("CSV export", "XLSX export"):
        for i, name in ((2, "cells"), (3, "traced peak MB"), (4, "RSS growth MB")):
            values = [rows[fmt][i] for _size, rows in summary]
            shown = [f"{v:,}" if isinstance(v, int) else f"{v:.1f}" for v in values]
            print(f"   {fmt + ' ' + name:<28}" + "".join(f"{v:>16}" for v in shown))


if __name__ == "__main__":
    main()
