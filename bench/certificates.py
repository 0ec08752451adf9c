"""Benchmark certificate PDFs (issue 7): prints figures, asserts nothing.

    .venv/bin/python bench/certificates.py [--renders 50] [--issue 1000] [--cores 0]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/attune_benchcerts \
        .venv/bin/python bench/certificates.py

Builds a throwaway test database (SQLite by default, PostgreSQL with DATABASE_URL), the
site settings a hospital would fill in (organisation, signatory, CE statement, a logo and a
signature image) and one published module; then:

1. Render: one certificate rendered --renders times in this process after one warm-up,
   with the font configuration reused (as a long-running worker does) and, for comparison,
   with a new font configuration per render (what a fresh process pays). Median, p90, PDF
   size.
2. Issue: --issue learners each with a completion (bench data written in bulk), then each
   certificate issued exactly as the completion signal and the background task do it
   (`certificate_issue` for the record, then `certificate_render_pdf` to render and store
   the PDF), one after another in this process. By default the process is pinned to one
   CPU (--cores, a comma-separated list of CPU numbers, or "all"), so "on one core" means
   this process; the database server (PostgreSQL) runs in its own process. Prints the total
   time, certificates per second and the time per certificate split into issue and render.

The machine's speed (a fixed Python loop) is printed before, between and after, since the
virtual development machines drift by as much as 1.7 times from hour to hour.
"""

from __future__ import annotations

import argparse
import io
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
from django.test.utils import setup_test_environment  # noqa: E402


def png(title: str, colour: str, size: tuple[int, int]):
    from django.core.files.images import ImageFile
    from PIL import Image as PILImage
    from wagtail.images.models import Image

    buffer = io.BytesIO()
    PILImage.new("RGB", size, colour).save(buffer, "PNG")
    return Image.objects.create(title=title, file=ImageFile(buffer, name=f"{title}.png"))


def setup_catalogue():
    """Site settings filled in as a hospital would, and one published module."""
    from cms.models import OrganisationSettings
    from cms.site_setup import setup_site
    from modules.content_io import CURRICULUM_DIR, load_file, module_fields
    from modules.models import TrainingModulePage

    _home, catalogue, _groups = setup_site()
    org = OrganisationSettings.for_default_site()
    org.organisation_name = "Riverside Children's Hospital"
    org.signatory_name = "Dr Grace Mensah"
    org.signatory_title = "Director of Nursing Education"
    org.ce_statement = (
        "This activity has been approved for 0.5 nursing contact hours by the Riverside "
        "Children's Hospital continuing education provider unit."
    )
    org.logo = png("logo", "teal", (600, 200))
    org.signature_image = png("signature", "navy", (500, 150))
    org.save()
    spec = load_file(CURRICULUM_DIR / "1-relationships-as-part-of-care.yaml")
    page = TrainingModulePage(**module_fields(dict(spec, slug="bench-certificates")))
    catalogue.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def completions(page, count: int):
    """`count` learners, each with one passed attempt and its completion (bulk)."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from training.models import Attempt, Completion

    names = [
        ("Nguyễn Thị", "Ánh"),
        ("José", "Núñez"),
        ("Zoë", "O’Brien-Łukasik"),
        ("Amara", "Okafor"),
    ]
    users = User.objects.bulk_create(
        [
            User(
                username=f"learner{i}",
                first_name=names[i % len(names)][0],
                last_name=f"{names[i % len(names)][1]} {i}",
            )
            for i in range(count)
        ]
    )
    if users and users[0].pk is None:
        users = list(User.objects.filter(username__startswith="learner").order_by("pk"))
    now = timezone.now()
    attempts = Attempt.objects.bulk_create(
        [
            Attempt(
                user=u,
                module=page,
                revision_id=page.live_revision_id,
                questions=[],
                pass_mark=80,
                answers={},
                correct_count=10,
                score_percent=100,
                passed=True,
                started_at=now,
                submitted_at=now,
            )
            for u in users
        ],
        batch_size=1000,
    )
    if attempts and attempts[0].pk is None:
        attempts = list(Attempt.objects.filter(module=page).order_by("pk"))
    Completion.objects.bulk_create(
        [
            Completion(
                user_id=a.user_id,
                module_id=a.module_id,
                attempt=a,
                revision_id=a.revision_id,
                completed_at=now,
                completed_on=timezone.localdate(now),
            )
            for a in attempts
        ],
        batch_size=1000,
    )
    return list(Completion.objects.filter(module=page).select_related("user").order_by("pk"))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def bench_render(certificate, renders: int) -> None:
    from weasyprint.text.fonts import FontConfiguration

    from certificates import rendering

    rendering.render_certificate_pdf(certificate)  # warm-up: fonts, templates, imports
    warm, size = [], 0
    for _ in range(renders):
        start = time.perf_counter()
        size = len(rendering.render_certificate_pdf(certificate))
        warm.append(time.perf_counter() - start)
    cold = []
    for _ in range(max(5, renders // 5)):
        rendering._local.font_config = FontConfiguration()  # what a new process builds
        start = time.perf_counter()
        rendering.render_certificate_pdf(certificate)
        cold.append(time.perf_counter() - start)
    warm.sort()
    print(
        f"render, font configuration reused: median {ms(statistics.median(warm))}, "
        f"p90 {ms(warm[int(len(warm) * 0.9) - 1])}, min {ms(warm[0])} "
        f"({renders} renders, PDF {size / 1024:.0f} KiB)"
    )
    print(
        f"render, new font configuration each time: median {ms(statistics.median(cold))} "
        f"({len(cold)} renders)"
    )


def bench_issue(completion_rows) -> None:
    from certificates import services
    from certificates.models import Certificate

    if not completion_rows:
        print("issued no certificates (--issue 0)")
        return
    issue_s = render_s = 0.0
    started_cpu = time.process_time()
    started = time.perf_counter()
    for completion in completion_rows:
        t0 = time.perf_counter()
        certificate = services.certificate_issue(completion=completion)
        t1 = time.perf_counter()
        services.certificate_render_pdf(certificate_id=certificate.pk)
        render_s += time.perf_counter() - t1
        issue_s += t1 - t0
    total = time.perf_counter() - started
    cpu = time.process_time() - started_cpu
    n = len(completion_rows)
    stored = Certificate.objects.exclude(pdf="").count()
    print(
        f"issued {n:,} certificates (PDF stored for {stored:,}) in {total:.1f} s "
        f"({n / total:.1f} per second; this process's CPU {cpu:.1f} s): "
        f"per certificate {ms(issue_s / n)} issue + {ms(render_s / n)} render and store"
    )


def machine_speed() -> str:
    """This machine's speed right now: a 10-million-step Python loop on this process's CPUs.
    The development machines are virtual and their speed drifts (the same loop has taken
    from 0.85 to 1.7 s), so every figure is printed with the loop's time beside it."""
    start = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return f"10M-step Python loop {time.perf_counter() - start:.2f} s"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--renders", type=int, default=50)
    parser.add_argument("--issue", type=int, default=1000)
    parser.add_argument("--cores", default="0", help='CPUs to run on, e.g. "0" or "all"')
    args = parser.parse_args()
    if args.cores != "all" and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(c) for c in args.cores.split(",")})
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"

    from weasyprint.text import ffi

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(
            f"database: {connection.vendor}; this process on CPUs {cpus} of {os.cpu_count()}; "
            f"HarfBuzz subsetter {'present' if ffi.harfbuzz_subset else 'MISSING'}",
            flush=True,
        )
        page = setup_catalogue()
        rows = completions(page, args.issue + 1)
        from certificates import services

        first = services.certificate_issue(completion=rows[0])
        print(f"machine before: {machine_speed()}", flush=True)
        bench_render(first, args.renders)
        print(f"machine between: {machine_speed()}", flush=True)
        bench_issue(rows[1:])
        if len(rows) > 1:
            print(f"machine after: {machine_speed()}", flush=True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
