"""Benchmark the training loop: prints figures, asserts nothing.

    .venv/bin/python bench/loop.py [--sizes 50,500,2000] [--renders 20]

Builds a throwaway test database (SQLite by default, PostgreSQL with DATABASE_URL), fills it
with N staff per size (a third of them passed), and times over HTTP through Django's test
client: /learn/, /reports/units/<id>/, the unit CSV, and certificate PDF rendering (cold
first render in this process, then warm renders).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def timed(client, url, repeat=5):
    times, queries = [], 0
    client.get(url)  # warm caches
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            times.append((time.perf_counter() - start) * 1000)
        queries = len(ctx.captured_queries)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), queries


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="50,500,2000")
    parser.add_argument("--renders", type=int, default=20)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(sizes, args.renders)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(sizes, renders):
    import datetime

    from django.contrib.auth.models import User
    from django.utils import timezone

    from certificates.models import Certificate
    from certificates.rendering import render_certificate_pdf
    from cms.site_setup import setup_site
    from modules.content_io import CURRICULUM_DIR, load_file, module_fields
    from modules.models import TrainingModulePage
    from training import services
    from training.models import Requirement, Role, StaffProfile, Unit

    _home, catalogue, _groups = setup_site()
    page = TrainingModulePage(
        **module_fields(load_file(CURRICULUM_DIR / "1-relationships-as-part-of-care.yaml"))
    )
    catalogue.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    role = Role.objects.create(name="Registered nurse")
    unit = Unit.objects.create(name="NICU")
    req = Requirement.objects.create(
        module=page, due_days=30, effective_from=timezone.localdate() - datetime.timedelta(60)
    )
    req.roles.add(role)
    services.assignments_sync(requirement_ids=[req.pk])
    manager = User.objects.create_user("bench-manager", password="x")
    unit.managers.add(manager)

    print(f"database: {connection.vendor}")
    print(f"{'staff':>6} {'view':<28} {'median ms':>10} {'queries':>8}")
    made = 0
    first_learner = None
    for size in sizes:
        for i in range(made, size):
            user = User.objects.create_user(
                f"b{i}", first_name="Staff", last_name=f"Member {i:05d}", password="x"
            )
            StaffProfile.objects.create(
                user=user,
                role=role,
                unit=unit,
                employee_id=f"B{i:06d}",
                start_date=timezone.localdate() - datetime.timedelta(days=i % 200),
            )
            services.assignments_sync(user_ids=[user.pk])  # as the HR import does
            if i % 3 == 0:
                attempt = services.attempt_start(user=user, module=page)
                answers = {
                    q["id"]: [c["id"] for c in q["choices"] if c["correct"]]
                    for q in attempt.questions
                }
                services.attempt_submit(attempt_id=attempt.pk, user=user, answers=answers)
            first_learner = first_learner or user
        made = size
        learner, boss = Client(), Client()
        learner.force_login(first_learner)
        boss.force_login(manager)
        for label, client, url in [
            ("/learn/", learner, "/learn/"),
            ("/reports/units/<id>/", boss, f"/reports/units/{unit.pk}/"),
            ("/reports/units/<id>/export.csv", boss, f"/reports/units/{unit.pk}/export.csv"),
        ]:
            ms, queries = timed(client, url)
            print(f"{size:>6} {label:<28} {ms:>10.1f} {queries:>8}")

    certificate = Certificate.objects.first()
    start = time.perf_counter()
    render_certificate_pdf(certificate)
    cold = (time.perf_counter() - start) * 1000
    warm = []
    for _ in range(renders):
        start = time.perf_counter()
        render_certificate_pdf(certificate)
        warm.append((time.perf_counter() - start) * 1000)
    print(
        f"certificate PDF: first render {cold:.0f} ms; warm median "
        f"{statistics.median(warm):.1f} ms over {renders} renders"
    )


if __name__ == "__main__":
    main()
