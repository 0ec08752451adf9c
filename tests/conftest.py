"""Shared fixtures: an isolated media folder, the site tree, a published module, and one
user of every kind (staff, manager of this unit, manager of another unit, education lead,
educator, admin).

The site tree, the sample module and the people are built once per test session (per xdist
worker), right after the test database is created, and committed there: every test finds them,
reads them through the `site`, `module` and `people` fixtures, and rolls back whatever it
writes. Tests that must commit (`committed_db`: the browser tests, a background worker) have
every table put back from a snapshot afterwards. `blank_db` gives a test the database as the
migrations leave it; `module_transaction` lets a module-scoped fixture build state once for
every test of a file, and `rolled_back` lets one measure something once and keep nothing.
"""

from __future__ import annotations

import contextlib
import datetime
import tempfile
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import caches
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from cms.models import HomePage
from cms.site_setup import EDUCATION_LEADS, EDUCATORS, setup_site
from modules.content_io import module_fields
from modules.models import ModuleIndexPage, TrainingModulePage
from training import services as training_services
from training.models import Requirement, Role, Unit

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


# --- the shared state: built once, while the test database is created ------------------------

# Usernames of the shared people, by the attribute `people` gives them.
USERNAMES = {
    "staff": "nurse",
    "other_staff": "picunurse",
    "physician": "physician",
    "manager": "manager",
    "other_manager": "othermanager",
    "lead": "lead",
    "educator": "educator",
    "admin": "admin",
}
# The shared requirement's primary key (tests may add others for the same module).
_SHARED_PKS: dict[str, int] = {}


def build_shared_state() -> None:
    """The site tree, the sample module (required for registered nurses within 30 days) and
    one person of every kind, committed."""
    _home, catalogue, groups = setup_site()
    module = publish_module(catalogue)
    nurse_role = RoleFactory(name="Registered nurse")
    physician_role = RoleFactory(name="Physician")
    nicu = UnitFactory(name="NICU")
    picu = UnitFactory(name="PICU")
    StaffProfileFactory(
        user=UserFactory(username="nurse", first_name="Amara", last_name="Okafor"),
        role=nurse_role,
        unit=nicu,
    )
    StaffProfileFactory(
        user=UserFactory(username="picunurse", first_name="Olga", last_name="Petrova"),
        role=nurse_role,
        unit=picu,
    )
    StaffProfileFactory(
        user=UserFactory(username="physician", first_name="Dan", last_name="Reyes"),
        role=physician_role,
        unit=nicu,
    )
    nicu.managers.add(UserFactory(username="manager"))
    picu.managers.add(UserFactory(username="othermanager"))
    UserFactory(username="lead").groups.add(groups[EDUCATION_LEADS])
    UserFactory(username="educator").groups.add(groups[EDUCATORS])
    UserFactory(username="admin", is_superuser=True, is_staff=True)
    _SHARED_PKS["requirement"] = require(
        module,
        roles=[nurse_role],
        due_days=30,
        effective_from=timezone.localdate() - datetime.timedelta(days=365),
    ).pk


class TableSnapshot:
    """A copy of every table of the test database, kept beside them in the same database, to
    put the data back as it was with two statements a table. Django's flush and serialized
    rollback do the same far more slowly (TRUNCATE of ~170 tables takes seconds on
    PostgreSQL, and deserialising saves row by row)."""

    def __init__(self, tag: str):
        self.tables = sorted(connection.introspection.django_table_names(only_existing=True))
        # Numbered, not prefixed: PostgreSQL cuts names at 63 characters.
        self.copies = {table: f"attune_{tag}_{n}" for n, table in enumerate(self.tables)}
        # Table names come from Django's introspection of the models, quoted (S608).
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table, copy in self.copies.items():
                cursor.execute(f"CREATE TABLE {qn(copy)} AS SELECT * FROM {qn(table)}")  # noqa: S608

    def restore(self) -> None:
        """Every table as it was when the snapshot was taken (inside the caller's transaction
        if there is one; foreign keys are checked at commit, so the order does not matter)."""
        qn = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            for table, copy in self.copies.items():
                cursor.execute(f"DELETE FROM {qn(table)}")  # noqa: S608
                cursor.execute(f"INSERT INTO {qn(table)} SELECT * FROM {qn(copy)}")  # noqa: S608


# The test database as the migrations left it, and with the shared state built.
_SNAPSHOTS: dict[str, TableSnapshot] = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database (one per xdist worker), with the shared state built in
    it and committed, and a snapshot taken before and after."""
    with django_db_blocker.unblock():
        _SNAPSHOTS["migrated"] = TableSnapshot("migrated")
        with override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="attune-shared-media-")):
            build_shared_state()
        _SNAPSHOTS["built"] = TableSnapshot("built")


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker):
    """Database access without a wrapping transaction, for tests whose writes must be
    committed because another connection reads them (the browser tests' live server, a
    background worker, concurrent writers). Afterwards every table is put back as the session
    built it, so the tests after it find the shared state unchanged."""
    with django_db_blocker.unblock():
        try:
            yield
        finally:
            restore_shared_state()


def restore_shared_state() -> None:
    """Every table as it was once the shared state was built."""
    _SNAPSHOTS["built"].restore()


def _database(request) -> None:
    """Database access for the shared-state fixtures: the test's rolled-back transaction
    (`db`), unless the test asked for committed data."""
    if "committed_db" not in request.fixturenames:
        request.getfixturevalue("db")


def shared_site() -> SimpleNamespace:
    home = HomePage.objects.get()
    catalogue = ModuleIndexPage.objects.get()
    groups = Group.objects.in_bulk([EDUCATORS, EDUCATION_LEADS], field_name="name")
    return SimpleNamespace(home=home, catalogue=catalogue, groups=groups)


@pytest.fixture
def site(request):
    _database(request)
    return shared_site()


@pytest.fixture
def module(site):
    return TrainingModulePage.objects.get(slug=SAMPLE_SPEC["slug"])


def shared_people() -> SimpleNamespace:
    """The shared people, read afresh (a test's changes to them are its own)."""
    users = User.objects.in_bulk(USERNAMES.values(), field_name="username")
    units = Unit.objects.in_bulk(["NICU", "PICU"], field_name="name")
    return SimpleNamespace(
        **{kind: users[username] for kind, username in USERNAMES.items()},
        nicu=units["NICU"],
        picu=units["PICU"],
        nurse_role=Role.objects.get(name="Registered nurse"),
        requirement=Requirement.objects.get(pk=_SHARED_PKS["requirement"]),
    )


@pytest.fixture
def people(site, module):
    """One of every kind of user; `module` is required for registered nurses (30 days)."""
    return shared_people()


@pytest.fixture
def blank_db(db):
    """The database as the migrations leave it (no site tree, nobody), for the tests of the
    commands that build a site from nothing: put back inside the test's transaction, so the
    rollback returns the shared state."""
    _SNAPSHOTS["migrated"].restore()


@pytest.fixture
def new_site(blank_db):
    """A site tree and nothing else (no module, nobody), as `setup_site` builds it on a new
    install: for the tests that count every module there is."""
    home, catalogue, groups = setup_site()
    return SimpleNamespace(home=home, catalogue=catalogue, groups=groups)


@contextlib.contextmanager
def module_transaction(django_db_blocker):
    """A transaction around every test of a module, for a module-scoped fixture that builds
    state once (inside `django_db_blocker.unblock()`): each test's own transaction nests inside
    it (a savepoint, rolled back after the test), and this one is rolled back when the
    module's tests are done."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@contextlib.contextmanager
def rolled_back(django_db_blocker):
    """Database access for a module-scoped fixture that builds data, measures what it needs
    and keeps nothing: everything written inside is rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


def correct_answers(questions) -> dict[str, list[str]]:
    return {f"q-{q['id']}": [c["id"] for c in q["choices"] if c["correct"]] for q in questions}
