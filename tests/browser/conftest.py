"""Real-browser fixtures: one headless Debian chromium per test session, driven by Playwright.

Playwright is never allowed to download its own browser here; `make test` installs Debian's
chromium package and these tests use it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pytest_django.live_server_helper import LiveServer

# Playwright's sync API starts an event loop in the main thread and leaves it marked as running
# until Playwright stops (the end of the session, since the browser is session-scoped), so
# Django refuses ORM calls from test bodies and from pytest-django's database teardown
# ("You cannot call this from an async context"). Everything still runs in one thread, one
# call at a time, so the check is switched off for the session.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = ROOT / "test-artifacts" / "screenshots"
# axe-core from the npm registry, installed by `make frontend` and pinned by package-lock.json.
AXE_JS = ROOT / "cms" / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.2 AA: every A and AA rule of 2.0, 2.1 and 2.2. No rule is ever disabled.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 800},
}


@pytest.fixture(scope="session")
def browser(django_db_setup):
    """One headless chromium for the whole session.

    Depends on django_db_setup so the test database exists before Playwright starts and is
    destroyed after it stops.
    """
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: browser tests need Debian's chromium package "
            "(`make test` installs it, or `apt-get install chromium`). "
            "Do not run `playwright install`.",
            pytrace=False,
        )
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Django keeps database connections in an asgiref Local, which is thread-local in sync
    # code but switches to separate context-local storage while an event loop is running.
    # Once Playwright marks its loop as running, `connections["default"]` would therefore be
    # a second, fresh connection: on in-memory SQLite an empty database, on PostgreSQL a
    # second session. Pin the original
    # connection objects into the new storage so the whole session sees one connection.
    originals = {alias: connections[alias] for alias in connections}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for alias, connection in originals.items():
            connections[alias] = connection
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def app_server(django_db_setup):
    """The project served on a free localhost port in a thread of this process, for the
    whole session (one per xdist worker).

    Not pytest-django's `live_server` fixture: any test using that is made a transactional
    test, whose database is flushed after it (seconds on PostgreSQL). The browser tests use
    `committed_db` instead, which puts the tables back from a snapshot.
    """
    server = LiveServer("localhost")
    yield server
    server.stop()


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def viewport(request):
    """Run the test once at phone size and once at desktop size; yields the name."""
    return request.param


@pytest.fixture
def new_context(browser, viewport):
    """Factory for fresh (logged-out) browser contexts at the current viewport."""
    contexts = []

    def _new_context():
        context = browser.new_context(viewport=VIEWPORTS[viewport], accept_downloads=True)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield _new_context
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(viewport):
    """screenshot(page, "learner-01-login") saves learner-01-login-<viewport>.png (full page)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def _screenshot(page, name: str) -> Path:
        path = SCREENSHOT_DIR / f"{name}-{viewport}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _screenshot


def axe_violations(page) -> list[dict]:
    """Inject axe-core into the page and return its WCAG 2.2 A/AA violations."""
    if not AXE_JS.exists():
        pytest.fail(
            f"{AXE_JS} is missing: the accessibility checks need axe-core from the npm registry. "
            "Run `make frontend` (it installs cms/frontend's locked packages).",
            pytrace=False,
        )
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return results.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({
                    target: n.target.map(String).join(" "),
                    html: n.html,
                    summary: n.failureSummary,
                })),
            }));
        }""",
        AXE_TAGS,
    )


def format_violations(violations: list[dict], *, where: str) -> str:
    """A readable list: rule id, impact, help, then each failing element and why."""
    lines = [f"axe-core found {len(violations)} WCAG 2.2 A/AA violation(s) on {where}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:10]:
            html = " ".join(node["html"].split())
            if len(html) > 240:
                html = html[:237] + "..."
            lines.append(f"    at {node['target']}: {html}")
            for reason in (node["summary"] or "").splitlines():
                if reason.strip():
                    lines.append(f"      {reason.strip()}")
        if len(v["nodes"]) > 10:
            lines.append(f"    ... and {len(v['nodes']) - 10} more element(s)")
    return "\n".join(lines)


@pytest.fixture
def axe(viewport):
    """axe(page) runs axe-core's WCAG 2.2 A/AA rules on the page as it is now and fails the
    test with every violation listed (rule, impact, help, element and HTML) if there is any."""

    def _axe(page, name: str | None = None) -> None:
        violations = axe_violations(page)
        if violations:
            where = f"{name or page.url} ({page.url}, {viewport} {VIEWPORTS[viewport]})"
            pytest.fail(format_violations(violations, where=where), pytrace=False)

    return _axe


def log_in(context, base_url: str, user) -> None:
    """Give a browser context the session cookie of `user` (for tests whose subject is not the
    login form itself: quicker than typing, and independent of the login page's markup)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}]
    )
