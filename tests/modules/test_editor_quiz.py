"""The quiz engine through the Wagtail editor: validation on the field, new question types,
and the learner's-eye preview."""

import io

import pytest
from django.core.files.images import ImageFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from modules.models import TrainingModulePage
from training.models import Attempt

from .test_editor import GOOD, add_url, listblock, module_post, question

pytestmark = pytest.mark.django_db


def post(client, site, data):
    return client.post(add_url(site), data)


def test_single_answer_question_with_two_correct_choices_is_refused(people, site, login):
    bad = [question("Which?", [("A", True), ("B", True), ("C", False)], kind="single")]
    response = post(login(people.educator), site, module_post("Two right", bad))
    assert response.status_code == 200
    assert "A single-answer question has exactly one correct choice" in response.content.decode()
    assert not TrainingModulePage.objects.filter(slug="two-right").exists()


def test_question_image_needs_alt_text(people, site, login):
    buffer = io.BytesIO()
    PILImage.new("RGB", (20, 20), "#1d5c63").save(buffer, format="PNG")
    image = Image.objects.create(title="A photo", file=ImageFile(buffer, name="p.png"))
    q = question("What do you see?", [("Calm", True), ("Distress", False)])
    q["image"] = str(image.pk)
    response = post(login(people.educator), site, module_post("Picture", [q]))
    assert response.status_code == 200
    assert "Describe the image for someone who cannot see it." in response.content.decode()
    q["image_alt"] = "A father holds his daughter against his chest."
    response = post(login(people.educator), site, module_post("Picture", [q]))
    assert response.status_code == 302
    pool = TrainingModulePage.objects.get(slug="picture").get_latest_revision_as_object()
    assert pool.quiz_pool()[0]["image_alt"].startswith("A father holds")


def test_pool_smaller_than_its_draw_is_refused_on_the_field(people, site, login):
    data = module_post("Small pool", GOOD)
    data["draw_count"] = "5"
    response = post(login(people.educator), site, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "The pool has 2 questions outside scenario sets; it cannot draw 5." in html
    data["draw_count"] = "2"
    data["draw_per_skill"] = "on"
    html = post(login(people.educator), site, data).content.decode()
    assert "Cannot draw 2 per skill: recognise has 1; respond has 1" in html
    assert not TrainingModulePage.objects.filter(slug="small-pool").exists()


def test_true_false_and_scenario_sets_are_written_in_the_editor(people, site, login):
    true_false = {
        "prompt": rich_text("<p>Looking away can be a baby's way of taking a break.</p>"),
        "image": "",
        "image_alt": "",
        "rationale": "Brief withdrawal paces an interaction.",
        "references": "",
        "skill": "interpret",
        "correct_answer": "true",
        "feedback_true": "Yes.",
        "feedback_false": "Often it is a break.",
    }
    scenario = {
        "title": "A long night",
        "setting": "PICU",
        "vignette": rich_text("<p>Sione's father has not slept.</p>"),
        "questions": listblock(
            [
                question("What do you notice?", [("Exhaustion", True), ("Nothing", False)]),
                question(
                    "What next?", [("Offer a break", True), ("Leave", False)], skill="respond"
                ),
            ]
        ),
    }
    data = module_post("Types", [])
    data.update(
        nested_form_data(
            {"quiz": streamfield([("true_false", true_false), ("scenario", scenario)])}
        )
    )
    response = post(login(people.educator), site, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    page = TrainingModulePage.objects.get(slug="types").get_latest_revision_as_object()
    pool = page.quiz_pool()
    assert [q["kind"] for q in pool] == ["true_false", "single", "single"]
    assert pool[1]["scenario"]["title"] == pool[2]["scenario"]["title"] == "A long night"
    assert [c["correct"] for c in pool[0]["choices"]] == [True, False]


def test_educator_previews_the_quiz_as_a_learner_sees_it_and_nothing_is_recorded(
    people, site, login, module
):
    client = login(people.educator)
    preview_url = reverse("wagtailadmin_pages:preview_on_edit", args=[module.pk])
    data = module_post(module.title, GOOD, action=None)
    data["slug"] = module.slug
    response = client.post(preview_url, data)
    assert response.status_code == 200 and response.json()["is_valid"]
    response = client.get(preview_url, {"mode": "quiz"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Preview." in html and "Nothing is recorded" in html
    assert "A baby turns toward a voice." in html and "Select all that apply." in html
    assert "About Engagement." not in html  # no feedback, no key
    assert not Attempt.objects.exists()
