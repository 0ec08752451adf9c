"""Every URL, for every kind of user: staff, manager of this unit, manager of another unit,
education lead, educator, admin and anonymous. Objects of another learner or another unit
are never reachable by changing an id."""

import re

import pytest
from django.core.cache import caches
from django.test import Client, override_settings

from certificates.models import Certificate
from certificates.services import competency_report_render, competency_report_request
from modules.models import TrainingModulePage
from training.models import Assignment, Attempt

from .conftest import SAMPLE_SPEC, correct_answers, module_transaction, shared_people

pytestmark = pytest.mark.django_db

KINDS = ["staff", "manager", "other_manager", "lead", "educator", "admin", "anonymous"]


@pytest.fixture(scope="module")
def _module_media(tmp_path_factory):
    return tmp_path_factory.mktemp("permissions-media")


@pytest.fixture(autouse=True)
def _media(settings, _module_media):
    """The world's documents are written once for the whole file, so every test of this file
    shares one media folder (each still starts with empty caches)."""
    settings.MEDIA_ROOT = _module_media
    for cache in caches.all():
        cache.clear()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, _module_media):
    """Built once for this file, and rolled back after its last test: the nurse (staff, NICU)
    has passed, so her attempt and certificate exist, and has a practice round open; the NICU
    manager has asked for the unit's competency report, rendered. Each test rolls back its own
    writes inside this."""
    with override_settings(MEDIA_ROOT=_module_media), module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            world = _build_world()
        yield world


def _build_world() -> dict:
    people = shared_people()
    module = TrainingModulePage.objects.get(slug=SAMPLE_SPEC["slug"])
    client = Client()
    client.force_login(people.staff)
    location = client.post(f"/learn/modules/{module.pk}/start/")["Location"]
    attempt = Attempt.objects.get(pk=int(re.search(r"(\d+)/$", location)[1]))
    client.post(location, correct_answers(attempt.questions))
    # After passing, a practice round (open: nothing answered yet).
    location = client.post(f"/learn/modules/{module.pk}/start/", {"kind": "practice"})["Location"]
    practice = Attempt.objects.get(pk=int(re.search(r"(\d+)/$", location)[1]))
    assert practice.kind == Attempt.Kind.PRACTICE and not practice.is_submitted
    client.logout()
    return {
        "module": module,
        "attempt": attempt,
        "practice": practice,
        "certificate": Certificate.objects.get(user=people.staff),
        "nicu": people.nicu,
        "picu": people.picu,
        "assignment": Assignment.objects.get(user=people.staff, current=True),
        "picu_assignment": Assignment.objects.get(user=people.other_staff, current=True),
        "document": _ready_report(people),
    }


def _ready_report(people):
    report = competency_report_request(unit=people.nicu, user=people.manager)
    return competency_report_render(report_id=report.pk)


def _status(client, people, kind, method, url):
    if kind != "anonymous":
        client.force_login(getattr(people, kind))
    response = getattr(client, method)(url)
    return response.status_code


LOGIN = 302  # anonymous users are sent to the login page

# url template, method, expected status per kind (in KINDS order)
CASES = [
    ("/", "get", [200, 200, 200, 200, 200, 200, 200]),
    ("/accounts/login/", "get", [302, 302, 302, 302, 302, 302, 200]),
    ("/modules/", "get", [200, 200, 200, 200, 200, 200, LOGIN]),
    ("{module_url}", "get", [200, 200, 200, 200, 200, 200, LOGIN]),
    ("/learn/", "get", [200, 403, 403, 403, 403, 403, LOGIN]),
    ("/learn/modules/{module}/start/", "post", [302, 403, 403, 403, 403, 403, LOGIN]),
    ("/learn/attempts/{attempt}/", "get", [200, 404, 404, 404, 404, 404, LOGIN]),
    ("/learn/attempts/{attempt}/", "post", [302, 404, 404, 404, 404, 404, LOGIN]),
    # Lessons one by one (staff only; a lesson number the module does not have is 404).
    ("/learn/modules/{module}/lessons/1/", "get", [200, 403, 403, 403, 403, 403, LOGIN]),
    ("/learn/modules/{module}/lessons/99/", "get", [404, 403, 403, 403, 403, 403, LOGIN]),
    ("/learn/modules/{module}/lessons/1/", "post", [405, 405, 405, 405, 405, 405, LOGIN]),
    # Autosave answers JSON, so an ended session is 401 (not a redirect); a graded attempt 409.
    ("/learn/attempts/{practice}/save/", "post", [200, 404, 404, 404, 404, 404, 401]),
    ("/learn/attempts/{attempt}/save/", "post", [409, 404, 404, 404, 404, 404, 401]),
    ("/learn/attempts/{practice}/", "get", [200, 404, 404, 404, 404, 404, LOGIN]),
    ("/reports/", "get", [403, 200, 200, 200, 403, 200, LOGIN]),
    ("/reports/units/{nicu}/", "get", [403, 200, 404, 200, 403, 200, LOGIN]),
    ("/reports/units/{nicu}/export.csv", "get", [403, 200, 404, 200, 403, 200, LOGIN]),
    ("/reports/units/{picu}/", "get", [403, 404, 200, 200, 403, 200, LOGIN]),
    ("/reports/units/999999/", "get", [403, 404, 404, 404, 403, 404, LOGIN]),
    # One person's assignment (exempt, extend, history): this unit's managers, leads, admins.
    ("/reports/assignments/{assignment}/", "get", [403, 200, 404, 200, 403, 200, LOGIN]),
    ("/reports/assignments/{picu_assignment}/", "get", [403, 404, 200, 200, 403, 200, LOGIN]),
    # A POST without an action is sent back with a message to those who may see the page.
    ("/reports/assignments/{assignment}/", "post", [403, 302, 404, 302, 403, 302, LOGIN]),
    ("/reports/assignments/999999/", "get", [403, 404, 404, 404, 403, 404, LOGIN]),
    # Compliance on a past date (daily snapshots); bad dates get a message, not an error.
    ("/reports/units/{nicu}/compliance/", "get", [403, 200, 404, 200, 403, 200, LOGIN]),
    (
        "/reports/units/{nicu}/compliance/?on=2020-01-01",
        "get",
        [403, 200, 404, 200, 403, 200, LOGIN],
    ),
    ("/reports/units/{nicu}/compliance/?on=notadate", "get", [403, 200, 404, 200, 403, 200, LOGIN]),
    ("/reports/units/{picu}/compliance/", "get", [403, 404, 200, 200, 403, 200, LOGIN]),
    ("/reports/units/999999/compliance/", "get", [403, 404, 404, 404, 403, 404, LOGIN]),
    # Issue 6: the reports home's tables, the organisation view (education leads), the unit
    # matrix's filters and exports, and a person's transcript.
    ("/reports/?export=csv&table=units", "get", [403, 200, 200, 200, 403, 200, LOGIN]),
    ("/reports/?export=xlsx&table=roles", "get", [403, 200, 200, 200, 403, 200, LOGIN]),
    ("/reports/organisation/", "get", [403, 403, 403, 200, 403, 200, LOGIN]),
    ("/reports/organisation/?sort=late", "get", [403, 403, 403, 200, 403, 200, LOGIN]),
    (
        "/reports/organisation/?export=csv&table=staff",
        "get",
        [403, 403, 403, 200, 403, 200, LOGIN],
    ),
    (
        "/reports/organisation/?export=xlsx&table=units",
        "get",
        [403, 403, 403, 200, 403, 200, LOGIN],
    ),
    (
        "/reports/units/{nicu}/?status=late&sort=late&page=2",
        "get",
        [403, 200, 404, 200, 403, 200, LOGIN],
    ),
    ("/reports/units/{nicu}/?role=999999", "get", [403, 400, 404, 400, 403, 400, LOGIN]),
    (
        "/reports/units/{nicu}/?export=xlsx&table=matrix",
        "get",
        [403, 200, 404, 200, 403, 200, LOGIN],
    ),
    ("/reports/units/{picu}/?export=csv", "get", [403, 404, 200, 200, 403, 200, LOGIN]),
    ("/reports/people/{staff_user}/", "get", [403, 200, 404, 200, 403, 200, LOGIN]),
    (
        "/reports/people/{staff_user}/?export=xlsx&table=attempts",
        "get",
        [403, 200, 404, 200, 403, 200, LOGIN],
    ),
    ("/reports/people/{picu_staff}/", "get", [403, 404, 200, 200, 403, 200, LOGIN]),
    (
        "/reports/people/{picu_staff}/?export=csv&table=completions",
        "get",
        [403, 404, 200, 200, 403, 200, LOGIN],
    ),
    ("/reports/people/999999/", "get", [403, 404, 404, 404, 403, 404, LOGIN]),
    # The unit's PDF competency report: asked for by POST (built in the background), then
    # seen only by whoever asked for it (the NICU manager's document here).
    ("/reports/units/{nicu}/report.pdf", "post", [403, 302, 404, 302, 403, 302, LOGIN]),
    ("/reports/units/{nicu}/report.pdf", "get", [405, 405, 405, 405, 405, 405, LOGIN]),
    ("/reports/units/{picu}/report.pdf", "post", [403, 404, 302, 302, 403, 302, LOGIN]),
    ("/reports/documents/{document}/", "get", [403, 200, 404, 404, 403, 404, LOGIN]),
    ("/reports/documents/{document}/download/", "get", [403, 200, 404, 404, 403, 404, LOGIN]),
    ("/reports/documents/999999/", "get", [403, 404, 404, 404, 403, 404, LOGIN]),
    ("/certificates/", "get", [200, 200, 200, 200, 200, 200, LOGIN]),
    ("/certificates/{certificate}/pdf/", "get", [200, 200, 404, 200, 404, 200, LOGIN]),
    ("/certificates/999999/pdf/", "get", [404, 404, 404, 404, 404, 404, LOGIN]),
    # Transcript PDFs: everyone's own (empty without completions); a person's for themself,
    # their unit's managers, education leads and admins; unknown ids 404 for everyone.
    ("/certificates/transcript.pdf", "get", [200, 200, 200, 200, 200, 200, LOGIN]),
    (
        "/certificates/people/{staff_user}/transcript.pdf",
        "get",
        [200, 200, 404, 200, 404, 200, LOGIN],
    ),
    (
        "/certificates/people/{picu_staff}/transcript.pdf",
        "get",
        [404, 404, 200, 200, 404, 200, LOGIN],
    ),
    ("/certificates/people/999999/transcript.pdf", "get", [404, 404, 404, 404, 404, 404, LOGIN]),
    ("/verify/", "get", [200, 200, 200, 200, 200, 200, 200]),
    ("/verify/{code}/", "get", [200, 200, 200, 200, 200, 200, 200]),
    ("/verify/NOSUCHCODE/", "get", [404, 404, 404, 404, 404, 404, 404]),
    ("/admin/", "get", [302, 302, 302, 200, 200, 200, 302]),
    ("/admin/reports/item-analysis/", "get", [302, 302, 302, 200, 200, 200, 302]),
    ("/admin/reports/item-analysis/{module}/", "get", [302, 302, 302, 200, 200, 200, 302]),
    (
        "/admin/reports/item-analysis/{module}/?export=csv",
        "get",
        [302, 302, 302, 200, 200, 200, 302],
    ),
    ("/admin/reports/item-analysis/999999/", "get", [302, 302, 302, 404, 404, 404, 302]),
    # Reports → Compliance in the admin: education leads and admins; the educator (admin
    # access, no training.view_all_reports) is sent back to the dashboard.
    ("/admin/reports/compliance/", "get", [302, 302, 302, 200, 302, 200, 302]),
    ("/admin/reports/compliance/?export=csv", "get", [302, 302, 302, 200, 302, 200, 302]),
    ("/admin/reports/compliance/{nicu}/", "get", [302, 302, 302, 200, 302, 200, 302]),
    ("/admin/reports/compliance/{picu}/", "get", [302, 302, 302, 200, 302, 200, 302]),
    (
        "/admin/reports/compliance/{nicu}/?export=xlsx",
        "get",
        [302, 302, 302, 200, 302, 200, 302],
    ),
    ("/admin/reports/compliance/999999/", "get", [302, 302, 302, 404, 302, 404, 302]),
    # HR import: admins (and holders of training.import_staff); the others get Wagtail's
    # refusal (leads and educators back to the dashboard, non-admin users to the login).
    ("/admin/staff-import/", "get", [302, 302, 302, 302, 302, 200, 302]),
    ("/admin/staff-import/", "post", [302, 302, 302, 302, 302, 200, 302]),
    # Confirm is POST only; without a current preview an admin is sent back to the upload.
    ("/admin/staff-import/confirm/", "get", [302, 302, 302, 302, 302, 405, 302]),
    ("/admin/staff-import/confirm/", "post", [302, 302, 302, 302, 302, 302, 302]),
    # Certificates in the admin (list, inspect, revoke, re-issue): admins and holders of
    # certificates.revoke_certificate; leads and educators are sent back to the dashboard,
    # non-admin users to the login. A POST without a reason is answered on the form (200).
    ("/admin/certificates/", "get", [302, 302, 302, 302, 302, 200, 302]),
    ("/admin/certificates/?q={code}&status=valid", "get", [302, 302, 302, 302, 302, 200, 302]),
    ("/admin/certificates/results/?q={code}", "get", [302, 302, 302, 302, 302, 200, 302]),
    ("/admin/certificates/{certificate}/", "get", [302, 302, 302, 302, 302, 200, 302]),
    ("/admin/certificates/{certificate}/revoke/", "get", [302, 302, 302, 302, 302, 200, 302]),
    ("/admin/certificates/{certificate}/revoke/", "post", [302, 302, 302, 302, 302, 200, 302]),
    ("/admin/certificates/{certificate}/reissue/", "get", [302, 302, 302, 302, 302, 200, 302]),
    ("/admin/certificates/{certificate}/reissue/", "post", [302, 302, 302, 302, 302, 200, 302]),
    ("/admin/certificates/999999/", "get", [302, 302, 302, 302, 302, 404, 302]),
    ("/admin/certificates/999999/revoke/", "post", [302, 302, 302, 302, 302, 404, 302]),
]


@pytest.mark.parametrize("url, method, expected", CASES, ids=[f"{m} {u}" for u, m, _ in CASES])
@pytest.mark.parametrize("kind", KINDS)
def test_every_url_answers_each_kind_of_user(world, people, client, url, method, expected, kind):
    url = url.format(
        module_url=world["module"].url,
        module=world["module"].pk,
        attempt=world["attempt"].pk,
        practice=world["practice"].pk,
        certificate=world["certificate"].pk,
        code=world["certificate"].code,
        nicu=world["nicu"].pk,
        picu=world["picu"].pk,
        assignment=world["assignment"].pk,
        picu_assignment=world["picu_assignment"].pk,
        document=world["document"].pk,
        staff_user=people.staff.pk,
        picu_staff=people.other_staff.pk,
    )
    assert _status(client, people, kind, method, url) == expected[KINDS.index(kind)]


def test_anonymous_is_sent_to_login_with_next(client, world):
    response = client.get("/learn/")
    assert response["Location"] == "/accounts/login/?next=/learn/"
