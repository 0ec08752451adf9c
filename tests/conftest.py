"""Shared fixtures: an isolated media folder, the site tree, a published module, and one
user of every kind (staff, manager of this unit, manager of another unit, education lead,
educator, admin)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.utils import timezone

from cms.site_setup import EDUCATION_LEADS, EDUCATORS, setup_site
from modules.content_io import module_fields
from modules.models import TrainingModulePage
from training import services as training_services
from training.models import Requirement

from .factories import RoleFactory, StaffProfileFactory, UnitFactory, UserFactory

PASSWORD = "pw"

SAMPLE_SPEC = {
    "slug": "sample-module",
    "title": "Sample module: reading cues",
    "summary": "A short module used by the tests.",
    "estimated_minutes": 12,
    "ce_hours": 0.5,
    "pass_mark": 75,
    "learning_objectives": ["Recognise engagement cues."],
    "content_note": "<p>Some cases describe babies in pain.</p>",
    "lessons": [
        {
            "title": "Engagement cues",
            "blocks": [
                {"type": "text", "value": "<p>Babies signal readiness to interact.</p>"},
                {
                    "type": "vignette",
                    "value": {
                        "title": "A quiet moment",
                        "setting": "NICU",
                        "body": "<p>Lena watches her son's face brighten.</p>",
                        "reflection": "What did you notice?",
                    },
                },
            ],
        }
    ],
    "references": [{"citation": "Test reference.", "url": "https://example.org/ref"}],
    "quiz": [
        {
            "prompt": "<p>A baby turns toward his father's voice and brightens. What is this?</p>",
            "skill": "recognise",
            "rationale": "Turning toward and brightening are engagement cues.",
            "choices": [
                {"text": "An engagement cue", "correct": True, "feedback": "Yes: he is ready."},
                {"text": "A stress cue", "correct": False, "feedback": "Not here."},
                {"text": "A sign of pain", "correct": False, "feedback": "Nothing suggests pain."},
            ],
        },
        {
            "prompt": "<p>Which responses support serve and return?</p>",
            "skill": "respond",
            "rationale": "Noticing and naming the serve returns it.",
            "choices": [
                {"text": "Name what the baby is doing", "correct": True, "feedback": "Yes."},
                {"text": "Wait for the baby's turn", "correct": True, "feedback": "Yes."},
                {"text": "Turn on the television", "correct": False, "feedback": "No."},
            ],
        },
        {
            "prompt": "<p>When should you refer to infant mental health?</p>",
            "skill": "refer",
            "rationale": "Sustained withdrawal over time warrants referral per protocol.",
            "choices": [
                {"text": "One brief look-away", "correct": False, "feedback": "That is normal."},
                {"text": "Sustained withdrawal", "correct": True, "feedback": "Yes."},
            ],
        },
        {
            "prompt": "<p>A mother asks how to help during a heel stick. Best next step?</p>",
            "skill": "respond",
            "rationale": "Parents as comforters: skin-to-skin or holding.",
            "choices": [
                {"text": "Offer skin-to-skin holding", "correct": True, "feedback": "Yes."},
                {"text": "Ask her to leave", "correct": False, "feedback": "Not by default."},
            ],
        },
    ],
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Each test has its own media folder, and starts with empty caches: Wagtail caches image
    renditions by image id, and ids come round again after a rolled-back test, so a cached
    rendition would point into an earlier test's (deleted) media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    for cache in caches.all():
        cache.clear()


@pytest.fixture
def site(db):
    home, catalogue, groups = setup_site()
    return SimpleNamespace(home=home, catalogue=catalogue, groups=groups)


def require(target, *, roles=(), units=(), actor=None, **fields) -> Requirement:
    """Create a requirement (on a module page or a ModuleSet) as the admin editor does:
    validated, then the assignments brought up to date."""
    key = "module_set" if target.__class__.__name__ == "ModuleSet" else "module"
    requirement = Requirement(**{key: target}, **fields)
    requirement.full_clean()
    requirement.save()
    requirement.roles.set(roles)
    requirement.units.set(units)
    training_services.assignments_sync(requirement_ids=[requirement.pk], actor=actor)
    return requirement


def publish_module(catalogue, spec=SAMPLE_SPEC) -> TrainingModulePage:
    page = TrainingModulePage(**module_fields(spec))
    catalogue.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


@pytest.fixture
def module(site):
    return publish_module(site.catalogue)


@pytest.fixture
def people(site, module):
    """One of every kind of user; `module` is required for registered nurses (30 days)."""
    nurse_role = RoleFactory(name="Registered nurse")
    physician_role = RoleFactory(name="Physician")
    nicu = UnitFactory(name="NICU")
    picu = UnitFactory(name="PICU")
    staff = StaffProfileFactory(
        user=UserFactory(username="nurse", first_name="Amara", last_name="Okafor"),
        role=nurse_role,
        unit=nicu,
    ).user
    other_staff = StaffProfileFactory(
        user=UserFactory(username="picunurse", first_name="Olga", last_name="Petrova"),
        role=nurse_role,
        unit=picu,
    ).user
    physician = StaffProfileFactory(
        user=UserFactory(username="physician", first_name="Dan", last_name="Reyes"),
        role=physician_role,
        unit=nicu,
    ).user
    manager = UserFactory(username="manager")
    nicu.managers.add(manager)
    other_manager = UserFactory(username="othermanager")
    picu.managers.add(other_manager)
    lead = UserFactory(username="lead")
    lead.groups.add(site.groups[EDUCATION_LEADS])
    educator = UserFactory(username="educator")
    educator.groups.add(site.groups[EDUCATORS])
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    requirement = require(
        module,
        roles=[nurse_role],
        due_days=30,
        effective_from=timezone.localdate() - datetime.timedelta(days=365),
    )
    return SimpleNamespace(
        staff=staff,
        other_staff=other_staff,
        physician=physician,
        manager=manager,
        other_manager=other_manager,
        lead=lead,
        educator=educator,
        admin=admin,
        nicu=nicu,
        picu=picu,
        nurse_role=nurse_role,
        requirement=requirement,
    )


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


def correct_answers(questions) -> dict[str, list[str]]:
    return {f"q-{q['id']}": [c["id"] for c in q["choices"] if c["correct"]] for q in questions}
