"""Benchmark item analysis: prints figures, asserts nothing.

    .venv/bin/python bench/item_analysis.py [--sizes 100,1000,5000]

Builds a throwaway test database (SQLite by default, PostgreSQL with DATABASE_URL) with the
first curriculum module and N learners who each submitted one quiz (random answers, so
facility and discrimination vary), then times the selector and the admin report page.
"""

from __future__ import annotations

import argparse
import os
import random
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000,5000")
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run([int(s) for s in args.sizes.split(",")])
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(sizes):
    from decimal import Decimal

    from django.contrib.auth.models import User
    from django.utils import timezone

    from cms.site_setup import setup_site
    from modules.content_io import CURRICULUM_DIR, load_file, module_fields
    from modules.draw import draw_questions
    from modules.grading import grade
    from modules.models import TrainingModulePage
    from training.item_analysis import item_analysis
    from training.models import Attempt, Role, StaffProfile, Unit

    _home, catalogue, _groups = setup_site()
    page = TrainingModulePage(
        **module_fields(load_file(CURRICULUM_DIR / "1-relationships-as-part-of-care.yaml"))
    )
    catalogue.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    role = Role.objects.create(name="Registered nurse")
    unit = Unit.objects.create(name="NICU")
    admin = User.objects.create_superuser("bench-admin", password="x")
    client = Client()
    client.force_login(admin)
    pool = page.quiz_pool()
    rng = random.Random(7)
    print(f"database: {connection.vendor}; questions per attempt: {len(pool)}")
    print(f"{'attempts':>8} {'selector ms':>12} {'report ms':>10} {'csv ms':>8} {'queries':>8}")
    made = 0
    for size in sizes:
        users = [
            User(username=f"bench{i}", first_name="B", last_name=str(i)) for i in range(made, size)
        ]
        User.objects.bulk_create(users)
        users = list(User.objects.filter(username__startswith="bench").exclude(pk=admin.pk))[made:]
        StaffProfile.objects.bulk_create(
            StaffProfile(
                user=u,
                role=role,
                unit=unit,
                employee_id=f"B{u.pk}",
                start_date=timezone.localdate(),
            )
            for u in users
        )
        attempts = []
        for u in users:
            skill = rng.random()  # a stronger learner picks the right answer more often
            questions = draw_questions(pool, settings=page.draw_settings(), rng=rng)
            answers = {}
            for q in questions:
                right = [c["id"] for c in q["choices"] if c["correct"]]
                wrong = [c["id"] for c in q["choices"] if not c["correct"]]
                answers[q["id"]] = right if rng.random() < skill else [rng.choice(wrong)]
            result = grade(questions, answers, page.pass_mark)
            attempts.append(
                Attempt(
                    user=u,
                    module=page,
                    revision_id=page.live_revision_id,
                    kind="post",
                    questions=questions,
                    pass_mark=page.pass_mark,
                    answers=answers,
                    correct_count=result.correct_count,
                    score_percent=result.score_percent,
                    points=Decimal(float(result.points)).quantize(Decimal("0.001")),
                    passed=result.passed,
                    submitted_at=timezone.now(),
                )
            )
        Attempt.objects.bulk_create(attempts, batch_size=500)
        made = size

        def timed(fn, repeat=3):
            fn()
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                fn()
                times.append((time.perf_counter() - start) * 1000)
            return statistics.median(times)

        selector_ms = timed(lambda: item_analysis(module=page))
        url = f"/admin/reports/item-analysis/{page.pk}/"
        report_ms = timed(lambda: client.get(url))  # noqa: B023
        csv_ms = timed(lambda: b"".join(client.get(url + "?export=csv").streaming_content))  # noqa: B023
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        print(f"{size:>8} {selector_ms:>12.1f} {report_ms:>10.1f} {csv_ms:>8.1f} {len(ctx):>8}")


if __name__ == "__main__":
    main()
