"""A nurse completes a module, its pre-test and its quiz with the keyboard alone.

No mouse: no .click(), no .fill(). Tab and Shift+Tab move, Enter follows links and presses
buttons, Space ticks checkboxes, the arrow keys choose within a radio group, and the login
form is typed into after Tab has put the focus there. At several steps the focused element
must show a visible focus indicator (an outline or a box shadow, on the element or, for
USWDS radio and checkbox tiles whose input is visually hidden, on its label's box).
Screenshots: keyboard-NN-step-<viewport>.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, SAMPLE_SPEC
from training.models import Attempt

pytestmark = [pytest.mark.browser]

MODULE_TITLE = SAMPLE_SPEC["title"]
MAX_TABS = 80

# What the focused element is: tag, type, name, value, its accessible-ish name, and whether a
# focus indicator is drawn (outline or box shadow on it, or on the ::before box of a USWDS
# tile's label, which is what shows focus for the visually hidden radio/checkbox input).
FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const drawn = (style) => style && (
        (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
        || (style.boxShadow && style.boxShadow !== "none"));
    let visible = drawn(getComputedStyle(el));
    if (!visible && el.labels && el.labels.length) {
        const label = el.labels[0];
        visible = drawn(getComputedStyle(label)) || drawn(getComputedStyle(label, "::before"));
    }
    const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
    const text = el.getAttribute("aria-label") || el.innerText || label || el.value || "";
    return {
        tag: el.tagName.toLowerCase(),
        type: (el.getAttribute("type") || "").toLowerCase(),
        name: el.getAttribute("name") || "",
        value: el.value || "",
        checked: !!el.checked,
        text: text.replace(/\\s+/g, " ").trim(),
        visible: visible,
    };
}"""


def focused(page) -> dict | None:
    return page.evaluate(FOCUSED)


def tab_to(page, matches, *, what: str, backwards: bool = False) -> dict:
    """Press Tab (or Shift+Tab) until the focused element satisfies `matches`."""
    seen = []
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        el = focused(page)
        if el is not None and matches(el):
            return el
        seen.append(el and f"{el['tag']}[{el['name'] or el['type']}] {el['text'][:40]!r}")
    pytest.fail(
        f"{key} never reached {what} on {page.url}; focus went through: {seen}", pytrace=False
    )


def named(pattern: str):
    regex = re.compile(pattern, re.IGNORECASE)
    return lambda el: el["tag"] in ("a", "button") and bool(regex.search(el["text"]))


def field(name: str):
    return lambda el: el["tag"] == "input" and el["name"] == name


def enter(page) -> None:
    """Press Enter on the focused link or button and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def assert_focus_visible(el: dict, step: str) -> None:
    assert el["visible"], f"{step}: focus is not visible on {el}"


def answer_with_keyboard(page, questions) -> None:
    """Tab into each question in turn; arrows pick the radio, Space ticks the checkboxes."""
    for number, q in enumerate(questions, start=1):
        name = f"q-{q['id']}"
        right = {c["id"] for c in q["choices"] if c["correct"]}
        el = tab_to(page, field(name), what=f"question {number}")
        assert_focus_visible(el, f"question {number}")
        if el["type"] == "radio":
            (target,) = right
            for _ in range(len(q["choices"])):
                if el["value"] == target:
                    break
                page.keyboard.press("ArrowDown")  # moves to the next choice and selects it
                el = focused(page)
            assert el["value"] == target, f"arrows never reached the right choice of {name}"
            if not el["checked"]:
                page.keyboard.press("Space")
            assert focused(page)["checked"]
        else:
            for index in range(len(q["choices"])):
                if index:
                    el = tab_to(page, field(name), what=f"choice {index + 1} of {name}")
                if el["value"] in right:
                    page.keyboard.press("Space")
                assert focused(page)["checked"] == (el["value"] in right)


def take_attempt(page, user, kind: str, shot, step: str) -> None:
    """On an open pre-test or quiz page: answer everything right, then submit."""
    expect(page).to_have_url(re.compile(r"/learn/attempts/\d+/$"))
    attempt = Attempt.objects.get(user=user, kind=kind, submitted_at__isnull=True)
    shot(f"{step}-open")
    answer_with_keyboard(page, attempt.questions)
    shot(f"{step}-answered")
    submit = tab_to(page, named(r"^Submit answers"), what="the Submit answers button")
    assert_focus_visible(submit, "Submit answers")
    enter(page)
    expect(page).to_have_url(re.compile(rf"/learn/attempts/{attempt.pk}/$"))
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None, f"the {kind} attempt was not submitted"


def test_module_and_quiz_with_the_keyboard_only(
    app_server, committed_db, module, people, new_context, screenshot
):
    # The module asks for a pre-test first, so the keyboard path covers it too.
    module.pretest = True
    module.save_revision().publish()
    nurse = people.staff
    base = app_server.url
    page = new_context().new_page()
    count = iter(range(1, 100))

    def shot(step: str) -> None:
        screenshot(page, f"keyboard-{next(count):02d}-{step}")

    # 1. Log in: focus the username field (the page may already have put the focus there),
    #    type, Tab to the password, type, Enter.
    page.goto(f"{base}/accounts/login/")
    username = focused(page)
    if not (username and field("username")(username)):
        username = tab_to(page, field("username"), what="the username field")
    assert_focus_visible(username, "username field")
    page.keyboard.type(nurse.username)
    tab_to(page, field("password"), what="the password field")
    page.keyboard.type(PASSWORD)
    shot("login")
    enter(page)
    expect(page).to_have_url(f"{base}/learn/")

    # 2. From My training to the module. The first Tab on a page offers the skip link.
    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip and skip["tag"] == "a" and skip["text"] == "Skip to main content", skip
    assert_focus_visible(skip, "skip link")
    link = tab_to(page, named(re.escape(MODULE_TITLE)), what="the module's link")
    assert_focus_visible(link, "module link on the dashboard")
    shot("dashboard")
    enter(page)
    expect(page.get_by_role("heading", name=MODULE_TITLE, level=1)).to_be_visible()

    # 3. The pre-test comes before the lessons.
    pretest = tab_to(page, named(r"pre-test"), what="the pre-test button")
    assert_focus_visible(pretest, "pre-test button")
    shot("module")
    enter(page)
    take_attempt(page, nurse, Attempt.Kind.PRE, shot, "pretest")

    # 4. Back to the module (by its link on the result page), then the lessons one by one.
    tab_to(
        page,
        named(rf"^(Start the lessons|Go to the lessons|{re.escape(MODULE_TITLE)})"),
        what="a way back to the module or into its lessons",
    )
    enter(page)
    if "/lessons/" not in page.url:
        start = tab_to(page, named(r"^(Start the lessons|Resume)"), what="Start the lessons")
        assert_focus_visible(start, "Start the lessons")
        enter(page)
    lessons = len(module.lessons)
    for number in range(1, lessons + 1):
        expect(page).to_have_url(re.compile(rf"/learn/modules/{module.pk}/lessons/{number}/$"))
        shot(f"lesson-{number}")
        forward = r"^Next" if number < lessons else r"^Go to the quiz"
        el = tab_to(page, named(forward), what=f"the way on from lesson {number}")
        assert_focus_visible(el, f"lesson {number} {el['text']!r}")
        enter(page)

    # 5. The quiz: from wherever "Go to the quiz" led, to the quiz itself.
    if not re.search(r"/learn/attempts/\d+/$", page.url):
        quiz = tab_to(page, named(r"^(Take|Resume|Start) the quiz"), what="Take the quiz")
        assert_focus_visible(quiz, "Take the quiz")
        enter(page)
    take_attempt(page, nurse, Attempt.Kind.POST, shot, "quiz")

    # 6. Passed, with the certificate a keystroke away.
    attempt = Attempt.objects.get(user=nurse, kind=Attempt.Kind.POST)
    assert attempt.passed
    expect(page.get_by_role("heading", name="Your result")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Passed")
    certificate = tab_to(page, named(r"certificate"), what="the certificate link")
    assert_focus_visible(certificate, "certificate link")
    shot("result")
    # Shift+Tab goes back the way it came.
    back = focused(page)
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert focused(page) == back
