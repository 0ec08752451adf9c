"""Build a demo hospital: site tree, roles, units, a sample module, ~30 staff with progress.

Idempotent: running it again changes nothing that is already there. Refuses to run with
DEBUG off (a production database) unless given --force.
"""

from __future__ import annotations

import datetime
import io
import random

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from wagtail.images.models import Image
from wagtail.models import Site

from cms.models import OrganisationSettings
from cms.site_setup import EDUCATION_LEADS, EDUCATORS, setup_site
from modules.content_io import CURRICULUM_DIR, module_paths
from modules.models import TrainingModulePage
from modules.services import load_specs, modules_import
from training import services
from training.models import Attempt, Requirement, Role, StaffProfile, Unit

DEMO_PASSWORD = "attune-demo"  # noqa: S105 - documented demo credential, refused without DEBUG
SAMPLE_MODULE = "relationships-as-part-of-care"
# Days to complete each curriculum module, counted from 60 days ago: the first is overdue for
# anyone who has not passed it, the others fall due over the coming months.
DUE_DAYS = {
    "relationships-as-part-of-care": 30,
    "reading-the-signs": 75,
    "responding-in-the-moment": 120,
    "screening-referral-and-teamwork": 150,
}
# How often each module recurs: the first every 12 months after the last completion, the
# last every year by 31 December; the other two once.
SCHEDULES = {
    "relationships-as-part-of-care": {"frequency": "recurring", "interval_months": 12},
    "screening-referral-and-teamwork": {
        "frequency": "annual",
        "annual_month": 12,
        "annual_day": 31,
    },
}

ROLES = [
    "Registered nurse",
    "Physician",
    "Nurse practitioner",
    "Social worker",
    "Rehabilitation therapist",
    "Child life specialist",
]
UNITS = ["NICU", "PICU", "Cardiac ICU", "Cardiology clinic"]

# (username, first, last, role, unit, days since start, progress)
# progress: passed | failed | started | none
STAFF = [
    ("nurse", "Amara", "Okafor", "Registered nurse", "NICU", 400, "none"),
    ("physician", "Daniel", "Reyes", "Physician", "NICU", 900, "none"),
    ("manager", "Grace", "Lindqvist", "Registered nurse", "NICU", 2000, "passed"),
    ("mei.chen", "Mei", "Chen", "Registered nurse", "NICU", 700, "passed"),
    ("tomasz.nowak", "Tomasz", "Nowak", "Registered nurse", "NICU", 500, "failed"),
    ("fatima.haddad", "Fatima", "Haddad", "Registered nurse", "NICU", 300, "none"),
    ("kwame.mensah", "Kwame", "Mensah", "Nurse practitioner", "NICU", 800, "passed"),
    ("lucia.fernandez", "Lucía", "Fernández", "Social worker", "NICU", 1200, "started"),
    ("anh.nguyen", "Ánh", "Nguyễn", "Registered nurse", "NICU", 12, "none"),
    ("sarah.goldberg", "Sarah", "Goldberg", "Rehabilitation therapist", "NICU", 600, "passed"),
    ("priya.raman", "Priya", "Raman", "Registered nurse", "PICU", 650, "passed"),
    ("james.whitehorse", "James", "Whitehorse", "Physician", "PICU", 1500, "none"),
    ("olga.petrova", "Olga", "Petrova", "Registered nurse", "PICU", 450, "started"),
    ("samuel.adeyemi", "Samuel", "Adeyemi", "Registered nurse", "PICU", 20, "none"),
    ("hana.sato", "Hana", "Sato", "Child life specialist", "PICU", 1000, "passed"),
    ("carlos.mendoza", "Carlos", "Mendoza", "Social worker", "PICU", 350, "failed"),
    ("aisha.rahman", "Aisha", "Rahman", "Rehabilitation therapist", "PICU", 700, "none"),
    ("liam.oconnor", "Liam", "O'Connor", "Registered nurse", "PICU", 250, "passed"),
    ("zoe.obrien", "Zoë", "O'Brien-Łukasik", "Registered nurse", "Cardiac ICU", 550, "passed"),
    ("david.kim", "David", "Kim", "Physician", "Cardiac ICU", 1100, "started"),
    ("maria.santos", "Maria", "Santos", "Registered nurse", "Cardiac ICU", 300, "none"),
    ("yusuf.demir", "Yusuf", "Demir", "Nurse practitioner", "Cardiac ICU", 420, "passed"),
    ("ngozi.eze", "Ngozi", "Eze", "Registered nurse", "Cardiac ICU", 8, "none"),
    ("ruth.begay", "Ruth", "Begay", "Social worker", "Cardiac ICU", 900, "passed"),
    ("jose.nunez", "José", "Núñez", "Physician", "Cardiology clinic", 1300, "passed"),
    ("emily.tran", "Emily", "Tran", "Nurse practitioner", "Cardiology clinic", 260, "none"),
    ("ibrahim.khalil", "Ibrahim", "Khalil", "Registered nurse", "Cardiology clinic", 380, "failed"),
    ("sofia.rossi", "Sofia", "Rossi", "Rehabilitation therapist", "Cardiology clinic", 150, "none"),
    (
        "leilani.kahale",
        "Leilani",
        "Kahale",
        "Child life specialist",
        "Cardiology clinic",
        500,
        "passed",
    ),
    ("noah.friedman", "Noah", "Friedman", "Social worker", "Cardiology clinic", 40, "started"),
]


class Command(BaseCommand):
    help = "Seed a demo hospital with a sample module, staff and progress (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even though DEBUG is off.")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates demo logins with a published password; it refuses to run "
                "with DEBUG off. Use --force if this really is a demo database."
            )
        with transaction.atomic():
            self._seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready. Log in as nurse, physician, educator, manager, lead or admin "
                f"with password '{DEMO_PASSWORD}'."
            )
        )

    def _seed(self):
        today = timezone.localdate()
        _home, catalogue, groups = setup_site()
        self._organisation()
        admin = self._user("admin", "Alex", "Morgan", is_superuser=True, is_staff=True)
        educator = self._user("educator", "Esther", "Abara")
        educator.groups.add(groups[EDUCATORS])
        modules = self._curriculum(admin)
        module = modules[SAMPLE_MODULE]
        roles = {name: Role.objects.get_or_create(name=name)[0] for name in ROLES}
        units = {name: Unit.objects.get_or_create(name=name)[0] for name in UNITS}

        for slug, page in modules.items():
            if not Requirement.objects.filter(module=page).exists():
                requirement = Requirement(
                    module=page,
                    due_days=DUE_DAYS.get(slug, 90),
                    grace_days=7,
                    effective_from=today - datetime.timedelta(days=60),
                    **SCHEDULES.get(slug, {}),
                )
                requirement.full_clean()
                requirement.save()
                requirement.roles.set(roles.values())

        lead = self._user("lead", "Rosa", "Delgado")
        lead.groups.add(groups[EDUCATION_LEADS])

        rng = random.Random(20261125)  # noqa: S311 - demo data only
        for i, (username, first, last, role, unit, days, progress) in enumerate(STAFF, start=1):
            user = self._user(username, first, last)
            StaffProfile.objects.get_or_create(
                user=user,
                defaults={
                    "role": roles[role],
                    "unit": units[unit],
                    "employee_id": f"E{10000 + i}",
                    "start_date": today - datetime.timedelta(days=days),
                },
            )
            if not Attempt.objects.filter(user=user).exists():
                self._progress(user, module, progress, rng)
        units["NICU"].managers.add(User.objects.get(username="manager"))
        units["PICU"].managers.add(User.objects.get(username="manager"))
        services.assignments_sync(actor=admin, reason="Demo data")

    def _user(self, username, first, last, **flags) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@demo.attune.invalid",
                **flags,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

    def _organisation(self):
        site = Site.objects.get(is_default_site=True)
        org = OrganisationSettings.for_site(site)
        if (
            org.organisation_name
            == OrganisationSettings._meta.get_field("organisation_name").default
        ):
            org.organisation_name = "Attune Demo Children's Hospital"
            org.signatory_name = "Dr. Helen Osei"
            org.signatory_title = "Director of Nursing Education"
            org.ce_statement = (
                "Demo only: this sample certificate does not carry continuing-education credit."
            )
            org.staff_support_url = "https://www.samhsa.gov/find-help/helplines"
            org.staff_support_label = "Support for you"
            org.save()
        if org.logo_id is None and org.signature_image_id is None:
            org.logo = _demo_image("Demo hospital emblem", _draw_emblem())
            org.signature_image = _demo_image("Demo signature", _draw_signature())
            org.save()

    def _curriculum(self, author) -> dict[str, TrainingModulePage]:
        """Import the starter curriculum; modules already on the site are left as they are."""
        specs = load_specs(module_paths([CURRICULUM_DIR]))
        existing = set(TrainingModulePage.objects.values_list("slug", flat=True))
        new = [(source, spec) for source, spec in specs if spec["slug"] not in existing]
        if new:
            modules_import(specs=new, publish=True, user=author)
        slugs = [spec["slug"] for _, spec in specs]
        return {p.slug: p for p in TrainingModulePage.objects.filter(slug__in=slugs)}

    def _progress(self, user, module, progress, rng):
        if progress == "none":
            return
        attempt = services.attempt_start(user=user, module=module)
        if progress == "started":
            return
        answers = {}
        for q in attempt.questions:
            correct = [c["id"] for c in q["choices"] if c["correct"]]
            wrong = [c["id"] for c in q["choices"] if not c["correct"]]
            answers[q["id"]] = (
                correct if progress == "passed" or rng.random() < 0.4 else [rng.choice(wrong)]
            )
        services.attempt_submit(attempt_id=attempt.pk, user=user, answers=answers)


# --- demo images for the certificate (drawn here: no binary files in the repository) -------


def _demo_image(title: str, picture) -> Image:
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    name = title.lower().replace(" ", "-") + ".png"
    return Image.objects.create(title=title, file=ImageFile(buffer, name=name))


def _draw_emblem():
    """Two overlapping circles, a larger and a smaller one: a parent and a baby."""
    from PIL import Image as Picture
    from PIL import ImageDraw

    picture = Picture.new("RGBA", (480, 240), (255, 255, 255, 0))
    draw = ImageDraw.Draw(picture)
    draw.ellipse((40, 20, 240, 220), outline=(29, 92, 99, 255), width=18)
    draw.ellipse(
        (180, 80, 320, 220), fill=(156, 195, 198, 255), outline=(29, 92, 99, 255), width=14
    )
    return picture


def _draw_signature():
    """A pen stroke that reads as a signature on the demo certificate."""
    import math

    from PIL import Image as Picture
    from PIL import ImageDraw

    picture = Picture.new("RGBA", (600, 180), (255, 255, 255, 0))
    draw = ImageDraw.Draw(picture)
    points = [
        (30 + t * 5.4, 100 - 45 * math.sin(t / 6.5) * math.exp(-t / 140) + 12 * math.sin(t / 2.1))
        for t in range(100)
    ]
    draw.line(points, fill=(20, 40, 110, 255), width=5, joint="curve")
    draw.line([(60, 140), (520, 128)], fill=(20, 40, 110, 255), width=3)
    return picture
