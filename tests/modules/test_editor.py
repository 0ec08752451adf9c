"""Educators author modules in the Wagtail editor (admin posts) and submit them for
moderation; an education lead's approval publishes them. Requirements are set in the admin;
the result is what learners get."""

import pytest
from django.urls import reverse
from wagtail.models import PageLogEntry
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from modules.models import TrainingModulePage
from training.models import Assignment, Requirement

pytestmark = pytest.mark.django_db


def listblock(items):
    data = {
        str(i): {"value": value, "deleted": "", "order": str(i), "id": ""}
        for i, value in enumerate(items)
    }
    data["count"] = str(len(items))
    return data


def question(
    prompt, choices, rationale="Because the source says so.", skill="recognise", kind="single"
):
    return {
        "prompt": rich_text(f"<p>{prompt}</p>"),
        "image": "",
        "image_alt": "",
        "kind": kind,
        "scoring": "all_or_nothing",
        "choices": listblock(
            [
                {"text": text, "correct": "on" if correct else "", "feedback": f"About {text}."}
                for text, correct in choices
            ]
        ),
        "pin_choice_order": "",
        "rationale": rationale,
        "references": "",
        "skill": skill,
    }


# The quiz settings (settings tab) as the editor posts them when left at their defaults.
QUIZ_SETTINGS = {
    "draw_count": "0",
    "shuffle_choices": "on",
    "max_attempts": "0",
    "attempt_wait_minutes": "0",
    "time_limit_minutes": "0",
    "review_after_fail": "right_wrong",
    "review_after_pass": "full",
    "confidence": "none",
}


def module_post(title, questions, *, pass_mark="80", action="submit"):
    """Editor form data; `action` is the button pressed: "submit" (for moderation),
    "publish", or None (save draft)."""
    data = nested_form_data(
        {
            "title": title,
            "slug": title.lower().replace(" ", "-"),
            "summary": "Written in the editor.",
            "estimated_minutes": "10",
            "ce_hours": "0.25",
            "pass_mark": pass_mark,
            "learning_objectives": streamfield([("objective", "Recognise cues.")]),
            "content_note": rich_text(""),
            "lessons": streamfield(
                [
                    (
                        "lesson",
                        {
                            "title": "First lesson",
                            "body": streamfield([("text", rich_text("<p>Lesson text.</p>"))]),
                        },
                    )
                ]
            ),
            "references": streamfield([]),
            "quiz": streamfield([("question", q) for q in questions]),
            **QUIZ_SETTINGS,
        }
    )
    if action:
        data[f"action-{action}"] = f"action-{action}"
    return data


GOOD = [
    question("A baby turns toward a voice. What is it?", [("Engagement", True), ("Stress", False)]),
    question(
        "Which help?",
        [("Name cues", True), ("Wait", True), ("Leave", False)],
        skill="respond",
        kind="multiple",
    ),
]


def add_url(site):
    return f"/admin/pages/add/modules/trainingmodulepage/{site.catalogue.pk}/"


def workflow_action_url(page, action):
    """The admin URL a reviewer posts to approve or reject the page's current review task."""
    task_state = page.current_workflow_task_state
    return reverse("wagtailadmin_pages:workflow_action", args=[page.pk, action, task_state.pk])


def test_educator_submits_a_module_with_a_quiz_and_the_lead_approves_it(people, site, login):
    client = login(people.educator)
    response = client.post(add_url(site), module_post("Editor module", GOOD))
    assert response.status_code == 302, response.content.decode()[:2000]
    page = TrainingModulePage.objects.get(slug="editor-module")
    assert not page.live and page.live_revision_id is None
    assert page.workflow_in_progress
    assert page.current_workflow_task.name == "Education lead approval"
    questions = page.get_latest_revision_as_object().quiz_pool()
    assert [len(q["choices"]) for q in questions] == [2, 3]
    assert [c["correct"] for c in questions[1]["choices"]] == [True, True, False]
    assert all(c["id"] for q in questions for c in q["choices"])
    submitted = page.get_latest_revision()
    assert submitted.user == people.educator
    # Not yet for learners.
    client.force_login(people.staff)
    assert client.get(f"/modules/{page.slug}/").status_code == 404

    client.force_login(people.lead)
    response = client.post(workflow_action_url(page, "approve"), {"comment": ""})
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.live and page.live_revision == submitted
    assert not page.workflow_in_progress
    assert PageLogEntry.objects.filter(
        page=page, action="wagtail.publish", user=people.lead
    ).exists()
    questions = page.quiz_pool()
    assert [len(q["choices"]) for q in questions] == [2, 3]
    # A learner can open it.
    client.force_login(people.staff)
    assert "Editor module" in client.get(page.url).content.decode()


def test_educator_create_and_publish_post_does_not_make_the_module_live(people, site, login):
    response = login(people.educator).post(
        add_url(site), module_post("Editor module", GOOD, action="publish")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = TrainingModulePage.objects.get(slug="editor-module")
    assert not page.live and page.live_revision_id is None
    assert not page.workflow_in_progress  # saved as a draft, nothing published


def test_question_without_a_correct_choice_cannot_be_submitted(people, site, login):
    bad = [question("No right answer here?", [("One", False), ("Two", False)])]
    response = login(people.educator).post(add_url(site), module_post("Broken", bad))
    assert response.status_code == 200
    assert "Mark at least one choice as correct." in response.content.decode()
    assert not TrainingModulePage.objects.filter(slug="broken").exists()


def test_question_with_one_choice_cannot_be_submitted(people, site, login):
    bad = [question("Only one?", [("Only", True)])]
    response = login(people.educator).post(add_url(site), module_post("Lonely", bad))
    assert response.status_code == 200
    assert "The minimum number of items is 2" in response.content.decode()
    assert not TrainingModulePage.objects.filter(slug="lonely").exists()


@pytest.mark.parametrize(
    "pass_mark, message",
    [
        ("0", "Ensure this value is greater than or equal to 1."),
        ("101", "Ensure this value is less than or equal to 100."),
        ("abc", "Enter a whole number."),
    ],
)
def test_pass_mark_outside_1_to_100_is_refused(people, site, login, pass_mark, message):
    data = module_post("Bad mark", GOOD, pass_mark=pass_mark)
    response = login(people.educator).post(add_url(site), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TrainingModulePage.objects.filter(slug="bad-mark").exists()


def test_module_without_questions_cannot_be_submitted_but_can_be_drafted(people, site, login):
    client = login(people.educator)
    response = client.post(add_url(site), module_post("Empty quiz", []))
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not TrainingModulePage.objects.filter(slug="empty-quiz").exists()
    response = client.post(add_url(site), module_post("Empty quiz", [], action=None))
    assert response.status_code == 302
    assert not TrainingModulePage.objects.get(slug="empty-quiz").live


def test_staff_cannot_reach_the_editor(people, site, login):
    response = login(people.staff).get(add_url(site))
    assert response.status_code == 302  # to the admin login
    assert not TrainingModulePage.objects.filter(slug="editor-module").exists()


def test_educator_requires_a_module_for_a_role_and_nurses_see_it(people, site, login, module):
    Assignment.objects.all().delete()
    Requirement.objects.all().delete()
    client = login(people.educator)
    response = client.post(
        "/admin/snippets/training/requirement/add/",
        {
            "module": module.pk,
            "roles": [people.nurse_role.pk],
            "units": [people.nicu.pk],
            "frequency": "once",
            "due_basis": "start_date",
            "due_days": "14",
            "grace_days": "0",
            "effective_from": "2026-01-01",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    requirement = Requirement.objects.get()
    assert {h.history_user for h in requirement.history.all()} == {people.educator}
    client.force_login(people.staff)  # NICU nurse
    assert module.title in client.get("/learn/").content.decode()
    client.force_login(people.other_staff)  # PICU nurse: not in the requirement's units
    assert module.title not in client.get("/learn/").content.decode()


def test_requirement_with_bad_due_days_changes_nothing(people, site, login, module):
    before = Requirement.objects.count()
    response = login(people.educator).post(
        "/admin/snippets/training/requirement/add/",
        {
            "module": module.pk,
            "roles": [people.nurse_role.pk],
            "frequency": "once",
            "due_basis": "start_date",
            "due_days": "-1",
            "grace_days": "0",
            "effective_from": "2026-01-01",
        },
    )
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0." in response.content.decode()
    assert Requirement.objects.count() == before
