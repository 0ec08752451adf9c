"""axe-core on every learner, manager and verification page, at phone and desktop size.

Each page is opened in a real browser as the person who would see it, with enough data for
its tables, results and messages to be on screen, then checked with axe-core's WCAG 2.2 A/AA
rules (see `axe_violations` in conftest.py): any violation fails the test with the rule, the
element and its HTML. No rule is switched off. Each page is also checked for exactly one h1
and, at phone width, for not scrolling sideways as a whole (WCAG 1.4.10 Reflow: wide tables
scroll in their own box). A full-page screenshot is saved as a11y-<page>-<viewport>.png.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from certificates.models import Certificate
from certificates.services import certificate_revoke, competency_report_request
from tests.conftest import SAMPLE_SPEC, correct_answers, publish_module, require
from tests.factories import StaffProfileFactory, UserFactory
from training import schedule, services
from training.models import Assignment, Attempt

from .conftest import axe_violations, format_violations, log_in

pytestmark = [pytest.mark.browser]

# The way from a module page into its lessons (a link, or a button that records the start).
LESSONS_ENTRY = re.compile(r"^(Start the lessons|Resume)", re.IGNORECASE)
LESSON_URL = re.compile(r"/learn/modules/\d+/lessons/\d+/$")
PRACTICE_ENTRY = re.compile(r"practi[cs]e", re.IGNORECASE)


# The elements that stick out furthest to the right (for the sideways-scrolling report).
WIDEST = """() => {
    const limit = document.documentElement.clientWidth;
    const out = [];
    for (const el of document.querySelectorAll("main *")) {
        const right = el.getBoundingClientRect().right;
        if (right > limit + 1 && !(el.parentElement
            && el.parentElement.closest("[role=region][tabindex='0']")))
            out.push([Math.round(right), el.tagName.toLowerCase()
                + (el.id ? "#" + el.id : "") + (el.className ? "." + String(el.className)
                .trim().split(/\\s+/).join(".") : "")]);
    }
    out.sort((a, b) => b[0] - a[0]);
    return out.slice(0, 3).map(([r, what]) => `${what} (right edge ${r}px)`).join("; ");
}"""


@dataclass
class Visit:
    """Who opens which URL, what status it answers, and any steps to take there first."""

    user: object | None
    url: str
    status: int = 200
    then: Callable | None = None


# --- data -------------------------------------------------------------------------------------


def attempt_pass(user, module) -> Attempt:
    attempt = services.attempt_start(user=user, module=module)
    return services.attempt_submit(
        attempt_id=attempt.pk, user=user, answers=_keyed(correct_answers(attempt.questions))
    )


def attempt_fail(user, module) -> Attempt:
    attempt = services.attempt_start(user=user, module=module)
    wrong = {
        q["id"]: [next(c["id"] for c in q["choices"] if not c["correct"])]
        for q in attempt.questions
    }
    return services.attempt_submit(attempt_id=attempt.pk, user=user, answers=wrong)


def _keyed(post_style: dict) -> dict:
    """correct_answers() gives form field names (q-<id>); services take question ids."""
    return {key.removeprefix("q-"): value for key, value in post_style.items()}


def certificate_of(attempt: Attempt) -> Certificate:
    return Certificate.objects.get(completion__attempt=attempt)


def late_starter(people):
    """A nurse who started long ago and never did the module: overdue in every report."""
    profile = StaffProfileFactory(
        user=UserFactory(first_name="Tomasz", last_name="Nowak"),
        role=people.nurse_role,
        unit=people.nicu,
        start_date=timezone.localdate() - datetime.timedelta(days=400),
    )
    services.assignments_sync(user_ids=[profile.user_id])
    return profile.user


def report_data(w):
    """Something in every column of the reports: a pass, a fail, someone overdue."""
    passed = attempt_pass(w.people.staff, w.module)
    attempt_fail(w.people.other_staff, w.module)
    late_starter(w.people)
    return passed


def yearly_certificate(w, *, completed_days_ago: int = 0, monkeypatch=None) -> Certificate:
    """A certificate for a 12-month recurring requirement, completed `completed_days_ago`."""
    w.people.requirement.active = False
    w.people.requirement.save()
    require(
        w.module,
        roles=[w.people.nurse_role],
        frequency=schedule.RECURRING,
        interval_months=12,
        due_days=30,
        effective_from=timezone.localdate() - datetime.timedelta(days=3 * 365),
    )
    if completed_days_ago:
        then = timezone.now() - datetime.timedelta(days=completed_days_ago)
        with monkeypatch.context() as m:
            m.setattr(timezone, "now", lambda: then)
            attempt = attempt_pass(w.people.staff, w.module)
    else:
        attempt = attempt_pass(w.people.staff, w.module)
    return certificate_of(attempt)


# --- steps taken on a page before it is checked -------------------------------------------------


def show_login_error(page):
    page.get_by_label("Username").fill("nurse")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.locator("main")).to_contain_text(re.compile("correct username and password"))


def open_lessons(page):
    entry = page.get_by_role("link", name=LESSONS_ENTRY).or_(
        page.get_by_role("button", name=LESSONS_ENTRY)
    )
    expect(entry.first).to_be_visible()
    entry.first.click()
    expect(page).to_have_url(LESSON_URL)


def open_practice(page):
    entry = page.get_by_role("link", name=PRACTICE_ENTRY).or_(
        page.get_by_role("button", name=PRACTICE_ENTRY)
    )
    if entry.count() == 0:
        pytest.skip("The module page offers no practice attempt (no link or button 'Practice').")
    entry.first.click()
    expect(page).to_have_url(re.compile(r"/learn/"))


def submit_unanswered(page):
    page.get_by_role("button", name=re.compile(r"^Submit", re.IGNORECASE)).first.click()
    # Either the page flags the unanswered questions before sending, or the server does.
    expect(page.locator("main")).to_contain_text(re.compile("unanswered|not answered", re.I))


def verify_bad_code(page):
    page.get_by_label(re.compile("code", re.IGNORECASE)).first.fill("not a code!")
    page.get_by_role("button", name=re.compile("verify|check", re.IGNORECASE)).first.click()


# --- the pages ----------------------------------------------------------------------------------


def _pretest(w):
    module = publish_module(
        w.site.catalogue,
        {**SAMPLE_SPEC, "slug": "with-pretest", "quiz_settings": {"pretest": True}},
    )
    attempt = services.attempt_start(user=w.people.staff, module=module, kind=Attempt.Kind.PRE)
    return Visit(w.people.staff, f"/learn/attempts/{attempt.pk}/")


def _quiz(w):
    attempt = services.attempt_start(user=w.people.staff, module=w.module)
    return Visit(w.people.staff, f"/learn/attempts/{attempt.pk}/")


def _quiz_unanswered(w):
    attempt = services.attempt_start(user=w.people.staff, module=w.module)
    return Visit(w.people.staff, f"/learn/attempts/{attempt.pk}/", then=submit_unanswered)


def _assignment(w):
    report_data(w)
    assignment = Assignment.objects.get(user=w.people.staff, current=True)
    return Visit(w.people.manager, f"/reports/assignments/{assignment.pk}/")


def _competency_report(w):
    report_data(w)
    report = competency_report_request(unit=w.people.nicu, user=w.people.manager)
    return Visit(w.people.manager, f"/reports/documents/{report.pk}/")


def _verify_revoked(w):
    certificate = certificate_of(attempt_pass(w.people.staff, w.module))
    certificate_revoke(certificate_id=certificate.pk, actor=w.people.admin, reason="In error")
    return Visit(None, f"/verify/{certificate.code}/")


def _verify_expired(w):
    certificate = yearly_certificate(w, completed_days_ago=400, monkeypatch=w.monkeypatch)
    assert certificate.status == Certificate.Status.EXPIRED
    return Visit(None, f"/verify/{certificate.code}/")


PAGES: dict[str, Callable[[SimpleNamespace], Visit]] = {
    # Public.
    "home-anonymous": lambda w: Visit(None, "/"),
    "login": lambda w: Visit(None, "/accounts/login/"),
    "login-error": lambda w: Visit(None, "/accounts/login/", then=show_login_error),
    "verify-form": lambda w: Visit(None, "/verify/"),
    "verify-form-bad-code": lambda w: Visit(None, "/verify/", then=verify_bad_code),
    "verify-valid": lambda w: Visit(
        None, f"/verify/{certificate_of(attempt_pass(w.people.staff, w.module)).code}/"
    ),
    "verify-expired": _verify_expired,
    "verify-revoked": _verify_revoked,
    "verify-unknown": lambda w: Visit(None, "/verify/ABCDEFGHJKMNPQRS/", status=404),
    # Learners.
    "home-staff": lambda w: Visit(w.people.staff, "/"),
    "dashboard": lambda w: Visit(w.people.staff, "/learn/"),
    "dashboard-passed": lambda w: (
        attempt_pass(w.people.staff, w.module) and Visit(w.people.staff, "/learn/")
    ),
    "catalogue": lambda w: Visit(w.people.staff, "/modules/"),
    "module": lambda w: Visit(w.people.staff, w.module.url),
    "module-passed": lambda w: (
        attempt_pass(w.people.staff, w.module) and Visit(w.people.staff, w.module.url)
    ),
    "lesson": lambda w: Visit(w.people.staff, w.module.url, then=open_lessons),
    "pretest": _pretest,
    "quiz": _quiz,
    "quiz-unanswered": _quiz_unanswered,
    "result-passed": lambda w: Visit(
        w.people.staff, f"/learn/attempts/{attempt_pass(w.people.staff, w.module).pk}/"
    ),
    "result-failed": lambda w: Visit(
        w.people.staff, f"/learn/attempts/{attempt_fail(w.people.staff, w.module).pk}/"
    ),
    "practice": lambda w: Visit(w.people.staff, w.module.url, then=open_practice),
    "my-certificates": lambda w: (
        attempt_pass(w.people.staff, w.module) and Visit(w.people.staff, "/certificates/")
    ),
    # Managers and education leads.
    "reports-index": lambda w: report_data(w) and Visit(w.people.manager, "/reports/"),
    "reports-index-lead": lambda w: report_data(w) and Visit(w.people.lead, "/reports/"),
    "organisation": lambda w: report_data(w) and Visit(w.people.lead, "/reports/organisation/"),
    "unit": lambda w: (
        report_data(w) and Visit(w.people.manager, f"/reports/units/{w.people.nicu.pk}/")
    ),
    "person": lambda w: (
        report_data(w) and Visit(w.people.manager, f"/reports/people/{w.people.staff.pk}/")
    ),
    "assignment": _assignment,
    "compliance": lambda w: (
        report_data(w) and Visit(w.people.manager, f"/reports/units/{w.people.nicu.pk}/compliance/")
    ),
    "competency-report": _competency_report,
    "evidence": lambda w: report_data(w) and Visit(w.people.lead, "/reports/evidence/"),
    "evidence-module": lambda w: (
        report_data(w) and Visit(w.people.lead, f"/reports/evidence/{w.module.pk}/")
    ),
    "evidence-export": lambda w: Visit(w.people.lead, "/reports/evidence/export/"),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_axe_violations(
    name,
    app_server,
    committed_db,
    site,
    module,
    people,
    monkeypatch,
    new_context,
    viewport,
    screenshot,
):
    world = SimpleNamespace(site=site, module=module, people=people, monkeypatch=monkeypatch)
    visit = PAGES[name](world)
    context = new_context()
    if visit.user is not None:
        log_in(context, app_server.url, visit.user)
    page = context.new_page()
    response = page.goto(f"{app_server.url}{visit.url}")
    assert response.status == visit.status, f"{visit.url} answered {response.status}"
    if visit.then is not None:
        visit.then(page)
    screenshot(page, f"a11y-{name}")
    # Besides axe: one h1 per page, and (WCAG 1.4.10 Reflow) no sideways scrolling of the
    # whole page at phone width; wide tables scroll inside their own box instead.
    problems = []
    headings = page.locator("h1").count()
    if headings != 1:
        problems.append(f"{headings} h1 elements, expected exactly one")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        wide = page.evaluate(WIDEST)
        problems.append(f"the page scrolls sideways by {overflow}px; widest: {wide}")
    violations = axe_violations(page)
    report = [format_violations(violations, where=f"{name} ({viewport})")] if violations else []
    report += [f"{name} ({viewport}): {p}" for p in problems]
    if report:
        pytest.fail("\n".join(report), pytrace=False)


def test_axe_check_finds_a_known_violation(new_context):
    """The check itself: a page with an unlabelled field and low-contrast text fails it."""
    page = new_context().new_page()
    page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>Bad</title></head><body><main><h1>Bad</h1>'
        '<p style="color:#ccc;background:#fff">Light grey text</p>'
        '<input type="text" name="who"></main></body></html>'
    )
    violations = axe_violations(page)
    assert {"label", "color-contrast"} <= {v["id"] for v in violations}
    report = format_violations(violations, where="a test page")
    assert "- label (critical): Form elements must have labels" in report
    assert '<input type="text" name="who">' in report
