"""Educators author modules in the Wagtail editor (admin posts), and requirements in the
admin; the result is what learners get."""

import pytest
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from modules.models import TrainingModulePage
from training.models import ModuleRequirement

pytestmark = pytest.mark.django_db


def listblock(items):
    data = {
        str(i): {"value": value, "deleted": "", "order": str(i), "id": ""}
        for i, value in enumerate(items)
    }
    data["count"] = str(len(items))
    return data


def question(prompt, choices, rationale="Because the source says so.", skill="recognise"):
    return {
        "prompt": rich_text(f"<p>{prompt}</p>"),
        "choices": listblock(
            [
                {"text": text, "correct": "on" if correct else "", "feedback": f"About {text}."}
                for text, correct in choices
            ]
        ),
        "rationale": rationale,
        "skill": skill,
    }


def module_post(title, questions, *, pass_mark="80", publish=True):
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
        }
    )
    if publish:
        data["action-publish"] = "action-publish"
    return data


GOOD = [
    question("A baby turns toward a voice. What is it?", [("Engagement", True), ("Stress", False)]),
    question(
        "Which help?",
        [("Name cues", True), ("Wait", True), ("Leave", False)],
        skill="respond",
    ),
]


def add_url(site):
    return f"/admin/pages/add/modules/trainingmodulepage/{site.catalogue.pk}/"


def test_educator_creates_and_publishes_a_module_with_a_quiz(people, site, login):
    client = login(people.educator)
    response = client.post(add_url(site), module_post("Editor module", GOOD))
    assert response.status_code == 302, response.content.decode()[:2000]
    page = TrainingModulePage.objects.get(slug="editor-module")
    assert page.live and page.live_revision_id
    questions = page.quiz_questions()
    assert [len(q["choices"]) for q in questions] == [2, 3]
    assert [c["correct"] for c in questions[1]["choices"]] == [True, True, False]
    assert all(c["id"] for q in questions for c in q["choices"])
    assert page.get_latest_revision().user == people.educator
    # A learner can open it.
    client.force_login(people.staff)
    assert "Editor module" in client.get(page.url).content.decode()


def test_question_without_a_correct_choice_cannot_be_published(people, site, login):
    bad = [question("No right answer here?", [("One", False), ("Two", False)])]
    response = login(people.educator).post(add_url(site), module_post("Broken", bad))
    assert response.status_code == 200
    assert "Mark at least one choice as correct." in response.content.decode()
    assert not TrainingModulePage.objects.filter(slug="broken").exists()


def test_question_with_one_choice_cannot_be_published(people, site, login):
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


def test_module_without_questions_cannot_be_published_but_can_be_drafted(people, site, login):
    client = login(people.educator)
    response = client.post(add_url(site), module_post("Empty quiz", []))
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not TrainingModulePage.objects.filter(slug="empty-quiz").exists()
    response = client.post(add_url(site), module_post("Empty quiz", [], publish=False))
    assert response.status_code == 302
    assert not TrainingModulePage.objects.get(slug="empty-quiz").live


def test_staff_cannot_reach_the_editor(people, site, login):
    response = login(people.staff).get(add_url(site))
    assert response.status_code == 302  # to the admin login
    assert not TrainingModulePage.objects.filter(slug="editor-module").exists()


def test_educator_requires_a_module_for_a_role_and_nurses_see_it(people, site, login, module):
    ModuleRequirement.objects.all().delete()
    client = login(people.educator)
    response = client.post(
        "/admin/snippets/training/modulerequirement/add/",
        {
            "module": module.pk,
            "roles": [people.nurse_role.pk],
            "units": [people.nicu.pk],
            "due_days": "14",
            "effective_from": "2026-01-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    requirement = ModuleRequirement.objects.get()
    assert {h.history_user for h in requirement.history.all()} == {people.educator}
    client.force_login(people.staff)  # NICU nurse
    assert module.title in client.get("/learn/").content.decode()
    client.force_login(people.other_staff)  # PICU nurse: not in the requirement's units
    assert module.title not in client.get("/learn/").content.decode()


def test_requirement_with_bad_due_days_changes_nothing(people, site, login, module):
    before = ModuleRequirement.objects.count()
    response = login(people.educator).post(
        "/admin/snippets/training/modulerequirement/add/",
        {"module": module.pk, "roles": [people.nurse_role.pk], "due_days": "0"},
    )
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in response.content.decode()
    assert ModuleRequirement.objects.count() == before
