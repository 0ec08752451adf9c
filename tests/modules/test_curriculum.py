"""The starter curriculum as data: every shipped file validates, imports, and meets the
content rules; import is idempotent and all-or-nothing; export round-trips."""

from collections import Counter
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from modules.content_io import (
    CURRICULUM_DIR,
    SpecError,
    load_file,
    module_fields,
    module_spec,
    validate_spec,
)
from modules.models import TrainingModulePage

SHIPPED = sorted(CURRICULUM_DIR.glob("*.yaml"))
EXPECTED_SLUGS = {
    "relationships-as-part-of-care",
    "reading-the-signs",
    "responding-in-the-moment",
    "screening-referral-and-teamwork",
}


def canonical(spec: dict) -> dict:
    """What a spec looks like after a trip through a page (stripped, optional keys dropped)."""
    return module_spec(TrainingModulePage(**module_fields(spec)))


def test_the_four_starter_modules_ship():
    assert {load_file(p)["slug"] for p in SHIPPED} == EXPECTED_SLUGS


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_module_meets_the_content_rules(path):
    spec = load_file(path)
    assert validate_spec(spec, path.name) == []
    assert 4 <= len(spec["lessons"]) <= 6
    assert 15 <= spec["estimated_minutes"] <= 20
    assert spec["learning_objectives"] and spec["content_note"].strip()
    assert spec["references"] and all(r["citation"].strip() for r in spec["references"])
    vignette_settings = {
        b["value"]["setting"]
        for lesson in spec["lessons"]
        for b in lesson["blocks"]
        if b["type"] == "vignette"
    }
    assert len(vignette_settings) >= 3, "vignettes should span settings"
    quiz = spec["quiz"]
    assert len(quiz) >= 8
    assert len({q["skill"] for q in quiz}) >= 3
    for n, q in enumerate(quiz, start=1):
        correct = [c for c in q["choices"] if c["correct"]]
        assert correct, f"question {n} has no correct answer"
        assert all(c["feedback"].strip() for c in q["choices"]), f"question {n} lacks feedback"
        assert q["rationale"].strip()
        assert "select all" not in q["prompt"].lower(), "the page adds that hint itself"
    positions = Counter(
        next(i for i, c in enumerate(q["choices"]) if c["correct"])
        for q in quiz
        if sum(c["correct"] for c in q["choices"]) == 1
    )
    assert len(positions) >= 3, "correct answers should not sit in the same position"


@pytest.mark.django_db
def test_all_shipped_files_import_and_render(site, client, people):
    call_command("import_modules", str(CURRICULUM_DIR), "--publish", stdout=_Out())
    pages = TrainingModulePage.objects.live().filter(slug__in=EXPECTED_SLUGS)
    assert pages.count() == 4
    client.force_login(people.staff)
    for page in pages:
        html = client.get(page.url).content.decode()
        assert page.title.replace("'", "&#x27;") in html
        assert "Content note" in html and "References" in html


class _Out:
    def __init__(self):
        self.text = ""

    def write(self, s):
        self.text += s

    def flush(self):
        pass


def _import(*paths, publish=True):
    out = _Out()
    args = [str(p) for p in paths] + (["--publish"] if publish else [])
    call_command("import_modules", *args, stdout=out)
    return out.text


def _write(tmp_path: Path, name: str, spec: dict) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


SAMPLE = CURRICULUM_DIR / "1-relationships-as-part-of-care.yaml"


@pytest.mark.django_db
def test_reimport_is_idempotent(new_site):
    assert "created" in _import(SAMPLE)
    page = TrainingModulePage.objects.get(slug="relationships-as-part-of-care")
    revisions = page.revisions.count()
    assert "unchanged" in _import(SAMPLE)
    assert TrainingModulePage.objects.count() == 1
    assert page.revisions.count() == revisions


@pytest.mark.django_db
def test_changed_content_is_one_new_revision_of_the_same_page(new_site, tmp_path):
    _import(SAMPLE)
    page = TrainingModulePage.objects.get()
    revisions = page.revisions.count()
    spec = load_file(SAMPLE)
    spec["quiz"][0]["rationale"] = "A revised rationale (AAP 2021)."
    changed = _write(tmp_path, "changed.yaml", spec)
    assert "updated" in _import(changed)
    page.refresh_from_db()
    assert TrainingModulePage.objects.count() == 1
    assert page.revisions.count() == revisions + 1
    assert page.quiz_pool()[0]["rationale"] == "A revised rationale (AAP 2021)."
    assert "unchanged" in _import(changed)
    assert page.revisions.count() == revisions + 1


@pytest.mark.django_db
def test_import_without_publish_leaves_a_draft(new_site, tmp_path):
    assert "(draft)" in _import(SAMPLE, publish=False)
    page = TrainingModulePage.objects.get()
    assert not page.live and page.has_unpublished_changes
    # A draft update of a live module keeps the live content as it was.
    _import(SAMPLE)
    spec = load_file(SAMPLE)
    spec["title"] = "Relationships as part of care (revised)"
    _import(_write(tmp_path, "draft.yaml", spec), publish=False)
    page.refresh_from_db()
    assert page.live and page.title == "Relationships as part of care"
    assert page.get_latest_revision_as_object().title.endswith("(revised)")


@pytest.mark.django_db
def test_export_then_import_round_trips_to_equal_content(site, tmp_path):
    _import(SAMPLE)
    out = tmp_path / "export"
    call_command("export_modules", "--output", str(out), stdout=_Out())
    exported = load_file(out / "relationships-as-part-of-care.yaml")
    assert exported == canonical(load_file(SAMPLE))
    assert "unchanged" in _import(out / "relationships-as-part-of-care.yaml")


@pytest.mark.django_db
def test_a_module_authored_in_the_editor_exports_and_moves_to_another_site(
    site, people, login, tmp_path
):
    from .test_editor import GOOD, add_url, module_post

    login(people.educator).post(add_url(site), module_post("Editor module", GOOD))
    out = tmp_path / "export"
    call_command("export_modules", "editor-module", "-o", str(out), stdout=_Out())
    data = load_file(out / "editor-module.yaml")
    assert validate_spec(data, "editor-module.yaml") == []
    assert [len(q["choices"]) for q in data["quiz"]] == [2, 3]
    # Moving it: the same file imported as a new module gives equal content.
    data["slug"] = "editor-module-copy"
    _import(_write(tmp_path, "copy.yaml", data))
    copy = TrainingModulePage.objects.get(slug="editor-module-copy")
    original = TrainingModulePage.objects.get(slug="editor-module")
    assert module_spec(copy) == dict(module_spec(original), slug="editor-module-copy")
    assert copy.quiz_pool()[1]["choices"][1]["correct"] is True


@pytest.mark.django_db
def test_a_bad_file_is_rejected_whole_and_named(new_site, tmp_path):
    spec = load_file(SAMPLE)
    spec["slug"] = "another-module"
    del spec["quiz"][2]["choices"][1]["feedback"]
    spec["quiz"][4]["skill"] = "memorise"
    bad = _write(tmp_path, "bad.yaml", spec)
    with pytest.raises(CommandError) as raised:
        _import(SAMPLE, bad)
    message = str(raised.value)
    assert "Nothing was imported" in message
    assert "bad.yaml: question 3, choice 2: 'feedback' is required." in message
    assert "bad.yaml: question 5: 'skill' must be one of" in message
    assert not TrainingModulePage.objects.exists()  # not even the good file


@pytest.mark.django_db
def test_an_image_missing_from_the_library_is_refused(new_site, tmp_path):
    spec = load_file(SAMPLE)
    spec["slug"] = "with-image"
    spec["lessons"][0]["blocks"].append(
        {"type": "image", "value": {"image": "No such picture", "alt_text": "A parent"}}
    )
    with pytest.raises(CommandError, match="image 'No such picture' is not in this site"):
        _import(SAMPLE, _write(tmp_path, "image.yaml", spec))
    assert not TrainingModulePage.objects.exists()


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda s: s.pop("quiz"), "x.yaml: 'quiz' is required."),
        (lambda s: s.update(pass_mark=0), "'pass_mark' must be a whole number from 1 to 100."),
        (lambda s: s.update(ce_hours="lots"), "'ce_hours' must be a number"),
        (lambda s: s.update(colour="blue"), "'colour' is not a field of this schema."),
        (
            lambda s: s["quiz"][0].update(choices=s["quiz"][0]["choices"][:1]),
            "question 1: 'choices' needs at least 2.",
        ),
        (
            lambda s: [c.update(correct=False) for c in s["quiz"][1]["choices"]],
            "question 2: 'choices' needs at least one marked correct: true.",
        ),
        (
            lambda s: s["lessons"][1]["blocks"][1]["value"].update(setting="Moon"),
            "lesson 2, block 2 (vignette): 'setting' must be one of",
        ),
        (lambda s: s["lessons"][0]["blocks"].append({"type": "poem", "value": "x"}), "'type'"),
        (lambda s: s["references"][0].update(url="ftp://x"), "reference 1: 'url' must be"),
    ],
)
def test_validation_names_the_place_and_the_field(mutate, message):
    spec = load_file(SAMPLE)
    mutate(spec)
    assert any(message in e for e in validate_spec(spec, "x.yaml")), validate_spec(spec, "x.yaml")


def test_yaml_syntax_errors_name_the_file_and_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("slug: x\n  title: [\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"broken.yaml: YAML syntax error at line 2"):
        load_file(path)


@pytest.mark.django_db
def test_two_files_with_the_same_slug_are_refused(new_site, tmp_path):
    copy = _write(tmp_path, "copy.yaml", load_file(SAMPLE))
    with pytest.raises(CommandError, match="slug 'relationships-as-part-of-care' is also used"):
        _import(SAMPLE, copy)
    assert not TrainingModulePage.objects.exists()


@pytest.mark.django_db
def test_images_are_found_by_title_and_exported_by_title(site, people, client, tmp_path):
    import io

    from django.core.files.images import ImageFile
    from PIL import Image as PILImage
    from wagtail.images.models import Image

    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), "#1d5c63").save(buffer, format="PNG")
    Image.objects.create(title="Father holding baby", file=ImageFile(buffer, name="father.png"))
    spec = load_file(SAMPLE)
    spec["lessons"][0]["blocks"].append(
        {
            "type": "image",
            "value": {"image": "Father holding baby", "alt_text": "A father holds his son."},
        }
    )
    _import(_write(tmp_path, "image.yaml", spec))
    page = TrainingModulePage.objects.get(slug="relationships-as-part-of-care")
    client.force_login(people.staff)  # staff read lessons one at a time, on their own pages
    lesson = client.get(f"/learn/modules/{page.pk}/lessons/1/").content.decode()
    assert 'alt="A father holds his son."' in lesson
    client.force_login(people.educator)  # visitors without a staff profile see every lesson
    assert 'alt="A father holds his son."' in client.get(page.url).content.decode()
    block = module_spec(page)["lessons"][0]["blocks"][-1]
    assert block == {
        "type": "image",
        "value": {"image": "Father holding baby", "alt_text": "A father holds his son."},
    }


@pytest.mark.django_db
def test_catalogue_lists_modules_in_curriculum_order(site, people, client):
    call_command("import_modules", str(CURRICULUM_DIR), "--publish", stdout=_Out())
    client.force_login(people.staff)
    html = client.get("/modules/").content.decode()
    positions = [html.index(load_file(p)["title"].replace("'", "&#x27;")) for p in SHIPPED]
    assert positions == sorted(positions)


@pytest.mark.django_db
def test_every_question_type_and_quiz_setting_round_trips(site, tmp_path):
    from .test_question_types import SPEC

    spec = dict(
        SPEC,
        slug="all-types",
        quiz_settings={
            "draw_count": 1,
            "draw_per_skill": True,
            "shuffle_choices": False,
            "max_attempts": 3,
            "attempt_wait_minutes": 30,
            "time_limit_minutes": 20,
            "review_after_fail": "score",
            "review_after_pass": "answers",
            "pretest": True,
            "confidence": "skill",
        },
    )
    assert validate_spec(spec, "all.yaml") == []
    _import(_write(tmp_path, "all.yaml", spec))
    page = TrainingModulePage.objects.get(slug="all-types")
    assert (page.draw_count, page.max_attempts, page.pretest) == (1, 3, True)
    out = tmp_path / "export"
    call_command("export_modules", "all-types", "-o", str(out), stdout=_Out())
    exported = load_file(out / "all-types.yaml")
    assert exported == canonical(spec)
    assert [item.get("type", "question") for item in exported["quiz"][:2]] == [
        "true_false",
        "scenario",
    ]
    assert exported["quiz"][1]["questions"][1]["scoring"] == "partial"
    assert "unchanged" in _import(out / "all-types.yaml")


@pytest.mark.parametrize(
    "item, message",
    [
        ({"type": "essay"}, "question 1: 'type' must be one of question, true_false, scenario."),
        (
            {
                "type": "true_false",
                "prompt": "p",
                "skill": "refer",
                "rationale": "r",
                "correct_answer": "yes",
                "feedback_true": "t",
                "feedback_false": "f",
            },
            "question 1: 'correct_answer' must be true or false.",
        ),
        (
            {
                "type": "scenario",
                "title": "t",
                "setting": "NICU",
                "vignette": "v",
                "questions": [{"prompt": "p", "skill": "refer", "rationale": "r", "choices": []}],
            },
            "question 1: 'choices' needs at least 2.",
        ),
        (
            {
                "prompt": "p",
                "skill": "refer",
                "rationale": "r",
                "kind": "single",
                "choices": [
                    {"text": "a", "correct": True, "feedback": "f"},
                    {"text": "b", "correct": True, "feedback": "f"},
                ],
            },
            "question 1: 'kind' is single but more than one choice is correct.",
        ),
        (
            {
                "prompt": "p",
                "skill": "refer",
                "rationale": "r",
                "image": "Some picture",
                "choices": [
                    {"text": "a", "correct": True, "feedback": "f"},
                    {"text": "b", "correct": False, "feedback": "f"},
                ],
            },
            "question 1: 'image_alt' is required with an image.",
        ),
    ],
)
def test_question_type_validation_names_the_place_and_field(item, message):
    spec = dict(load_file(SAMPLE), quiz=[item])
    errors = validate_spec(spec, "x.yaml")
    assert any(message in e for e in errors), errors


def test_quiz_settings_are_validated():
    spec = dict(
        load_file(SAMPLE), quiz_settings={"max_attempts": -1, "confidence": "lots", "colour": 1}
    )
    errors = validate_spec(spec, "x.yaml")
    assert "x.yaml: quiz_settings: 'colour' is not a field of this schema." in errors
    assert "x.yaml: quiz_settings: 'max_attempts' must be a whole number from 0 to 100." in errors
    assert any("'confidence' must be one of none, question, skill." in e for e in errors)


@pytest.mark.django_db
def test_a_file_drawing_more_than_its_pool_is_refused(new_site, tmp_path):
    spec = dict(load_file(SAMPLE), quiz_settings={"draw_count": 50})
    with pytest.raises(CommandError, match="draw.yaml: quiz_settings: The pool has 10 questions"):
        _import(_write(tmp_path, "draw.yaml", spec))
    assert not TrainingModulePage.objects.exists()


@pytest.mark.django_db
def test_data_migration_gives_old_questions_their_kind(new_site):
    """Questions stored before question types had no `kind`; two correct choices meant
    multiple-answer. The migration records that in the page and in its revisions."""
    import importlib
    import json

    from django.apps import apps

    from modules.grading import validate_quiz

    _import(SAMPLE)
    page = TrainingModulePage.objects.get()
    raw = page.quiz.raw_data
    for block in raw:
        block["value"].pop("kind", None)
    TrainingModulePage.objects.filter(pk=page.pk).update(quiz=json.dumps(list(raw)))
    revision = page.live_revision
    revision.content["quiz"] = json.dumps(list(raw))
    revision.save(update_fields=["content"])
    with pytest.raises(Exception, match="single-answer but has 2 correct"):
        validate_quiz(TrainingModulePage.objects.get().quiz_pool())

    migration = importlib.import_module("modules.migrations.0003_question_kind_from_answer_key")
    migration.forwards(apps, None)
    migration.forwards(apps, None)  # idempotent

    page = TrainingModulePage.objects.get()
    validate_quiz(page.quiz_pool())
    validate_quiz(page.live_revision.as_object().quiz_pool())
    assert [q["kind"] for q in page.quiz_pool()].count("multiple") == 2
