"""Module content as plain data: the reviewable YAML files under modules/curriculum/.

One file holds one module. `validate_spec` checks a file's data against the schema and names
the file, the lesson or question, and the field of every problem. `module_fields` turns valid
data into a TrainingModulePage's field values; `module_spec` turns a page back into data, so
that export then import gives the same content.

Schema (every key below; unknown keys are errors, to catch typos):

    slug: kebab-case               title: text              summary: text
    estimated_minutes: 1..600      ce_hours: 0..99.75       pass_mark: 1..100
    learning_objectives: [text]    content_note: html (optional)
    lessons: [{title, blocks: [{type: text|vignette|image|video, value}]}]
        text: html
        vignette: {title, setting, content_note?, body: html, reflection?}
            (content_note: a short warning; the learner then opens the case themselves)
        image: {image: title of an image in the Wagtail library, alt_text, caption?}
        video: {url, title, transcript: html} (a video linked on an approved host; videos
            uploaded to the document library are added in the editor)
    references: [{citation, url?}]
    quiz: a list of items, each one of
        question (the default type): {prompt: html, skill: recognise|interpret|respond|refer,
            rationale, references?, image?, image_alt?, kind?: single|multiple (default:
            multiple when more than one choice is correct), scoring?: all_or_nothing|partial,
            pin_choice_order?: bool, choices: [{text, correct: bool, feedback}] (two or more)}
        {type: true_false, prompt, skill, rationale, references?, image?, image_alt?,
            correct_answer: true|false, feedback_true, feedback_false}
        {type: scenario, title, setting, content_note?, vignette: html,
            questions: [question, ...]}
    quiz_settings (optional): {draw_count, draw_per_skill, shuffle_choices, max_attempts,
        attempt_wait_minutes, time_limit_minutes, review_after_fail, review_after_pass,
        pretest, confidence}
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from .blocks import KINDS, SCORING, SETTINGS, SKILLS

CURRICULUM_DIR = Path(__file__).resolve().parent / "curriculum"
_NAMESPACE = uuid.UUID("6f1c1c6e-6a77-4c43-9a53-7a1f5f0b7e11")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SETTING_VALUES = [value for value, _ in SETTINGS]
SKILL_VALUES = [value for value, _ in SKILLS]
KIND_VALUES = [value for value, _ in KINDS]
SCORING_VALUES = [value for value, _ in SCORING]
REVIEW_VALUES = ["score", "right_wrong", "answers", "full"]
CONFIDENCE_VALUES = ["none", "question", "skill"]
# quiz_settings: name -> (kind, default, allowed values or (low, high))
QUIZ_SETTINGS = {
    "draw_count": ("int", 0, (0, 500)),
    "draw_per_skill": ("bool", False, None),
    "shuffle_choices": ("bool", True, None),
    "max_attempts": ("int", 0, (0, 100)),
    "attempt_wait_minutes": ("int", 0, (0, 525600)),
    "time_limit_minutes": ("int", 0, (0, 600)),
    "review_after_fail": ("choice", "right_wrong", REVIEW_VALUES),
    "review_after_pass": ("choice", "full", REVIEW_VALUES),
    "pretest": ("bool", False, None),
    "confidence": ("choice", "none", CONFIDENCE_VALUES),
}


class SpecError(ValueError):
    """One or more module files are invalid; `errors` lists every problem found."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


# Loading ----------------------------------------------------------------------------------


def load_file(path: Path | str) -> dict:
    """Parse one YAML file; raise SpecError naming the file (and line) when it cannot."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except OSError as exc:
        raise SpecError([f"{path.name}: cannot be read ({exc.strerror})."]) from exc
    except UnicodeDecodeError as exc:
        raise SpecError([f"{path.name}: is not UTF-8 text."]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise SpecError([f"{path.name}: YAML syntax error{where}: {problem}."]) from exc
    if not isinstance(data, dict):
        raise SpecError([f"{path.name}: must hold one module (a mapping of fields)."])
    return data


def module_paths(paths: list[Path | str]) -> list[Path]:
    """Expand folders to the .yaml/.yml files inside them, sorted; keep files as given."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml"}))
        else:
            out.append(path)
    return out


# Validation -------------------------------------------------------------------------------


class _Checker:
    def __init__(self, source: str):
        self.source = source
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{self.source}: {where}{': ' if where else ''}{message}")

    def keys(self, where: str, data, required: set[str], optional: set[str] = frozenset()):
        if not isinstance(data, dict):
            self.error(where, "must be a mapping of fields.")
            return False
        for key in sorted(required - data.keys()):
            self.error(where, f"'{key}' is required.")
        for key in sorted(data.keys() - required - set(optional)):
            self.error(where, f"'{key}' is not a field of this schema.")
        return True

    def text(self, where: str, data: dict, key: str, *, required=True, max_length=None):
        if key not in data:
            return
        value = data[key]
        if value is None and not required:
            return
        if not isinstance(value, str):
            self.error(where, f"'{key}' must be text.")
        elif required and not value.strip():
            self.error(where, f"'{key}' must not be empty.")
        elif max_length and len(value.strip()) > max_length:
            self.error(where, f"'{key}' must be at most {max_length} characters.")

    def integer(self, where: str, data: dict, key: str, low: int, high: int):
        if key not in data:
            return
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.error(where, f"'{key}' must be a whole number from {low} to {high}.")

    def items(self, where: str, data: dict, key: str, *, minimum: int = 0) -> list:
        if key not in data:
            return []
        value = data[key]
        if value is None and minimum == 0:
            return []
        if not isinstance(value, list):
            self.error(where, f"'{key}' must be a list.")
            return []
        if len(value) < minimum:
            self.error(where, f"'{key}' needs at least {minimum}.")
        return value


def validate_spec(data: dict, source: str) -> list[str]:
    """Every problem with one module's data, each naming the file, the place and the field."""
    c = _Checker(source)
    top_required = {
        "slug",
        "title",
        "summary",
        "estimated_minutes",
        "pass_mark",
        "lessons",
        "quiz",
    }
    top_optional = {
        "ce_hours",
        "learning_objectives",
        "content_note",
        "references",
        "quiz_settings",
    }
    if not c.keys("", data, top_required, top_optional):
        return c.errors
    slug = data.get("slug")
    if "slug" in data and (not isinstance(slug, str) or not SLUG_RE.match(slug)):
        c.error("", "'slug' must be lower-case words joined by hyphens, like reading-the-signs.")
    c.text("", data, "title", max_length=255)
    c.text("", data, "summary")
    c.text("", data, "content_note", required=False)
    c.integer("", data, "estimated_minutes", 1, 600)
    c.integer("", data, "pass_mark", 1, 100)
    if "ce_hours" in data:
        try:
            hours = Decimal(str(data["ce_hours"]))
            if isinstance(data["ce_hours"], bool) or not Decimal(0) <= hours <= Decimal("99.75"):
                raise InvalidOperation
            if hours != hours.quantize(Decimal("0.01")):
                raise InvalidOperation
        except InvalidOperation:
            c.error("", "'ce_hours' must be a number from 0 to 99.75 with at most two decimals.")
    for i, objective in enumerate(c.items("", data, "learning_objectives"), start=1):
        if not isinstance(objective, str) or not objective.strip():
            c.error(f"learning objective {i}", "must be non-empty text.")

    for li, lesson in enumerate(c.items("", data, "lessons", minimum=1), start=1):
        where = f"lesson {li}"
        if not c.keys(where, lesson, {"title", "blocks"}):
            continue
        c.text(where, lesson, "title", max_length=200)
        for bi, block in enumerate(c.items(where, lesson, "blocks", minimum=1), start=1):
            _validate_block(c, f"{where}, block {bi}", block)

    for ri, ref in enumerate(c.items("", data, "references"), start=1):
        where = f"reference {ri}"
        if c.keys(where, ref, {"citation"}, {"url"}):
            c.text(where, ref, "citation")
            _validate_url(c, where, ref, "url", required=False)

    number = 0
    for ii, item in enumerate(c.items("", data, "quiz", minimum=1), start=1):
        kind = item.get("type", "question") if isinstance(item, dict) else None
        if kind == "scenario":
            where = f"quiz item {ii} (scenario)"
            required = {"type", "title", "setting", "vignette", "questions"}
            if c.keys(where, item, required, {"content_note"}):
                c.text(where, item, "title", max_length=200)
                c.text(where, item, "content_note", required=False, max_length=300)
                c.text(where, item, "vignette")
                if item.get("setting") not in SETTING_VALUES:
                    c.error(where, f"'setting' must be one of {', '.join(SETTING_VALUES)}.")
                for question in c.items(where, item, "questions", minimum=1):
                    number += 1
                    _validate_question(c, f"question {number}", question, in_scenario=True)
        else:
            number += 1
            _validate_question(c, f"question {number}", item)
    if "quiz_settings" in data:
        _validate_quiz_settings(c, data["quiz_settings"])
    return c.errors


_COMMON_QUESTION = {"prompt", "skill", "rationale"}
_OPTIONAL_QUESTION = {"references", "image", "image_alt"}


def _validate_question(c: _Checker, where: str, question, *, in_scenario: bool = False) -> None:
    kind = question.get("type", "question") if isinstance(question, dict) else "question"
    if kind == "true_false" and not in_scenario:
        required = _COMMON_QUESTION | {"type", "correct_answer", "feedback_true", "feedback_false"}
        if not c.keys(where, question, required, _OPTIONAL_QUESTION):
            return
        if not isinstance(question.get("correct_answer"), bool):
            c.error(where, "'correct_answer' must be true or false.")
        c.text(where, question, "feedback_true")
        c.text(where, question, "feedback_false")
    elif kind == "question":
        optional = _OPTIONAL_QUESTION | {"type", "kind", "scoring", "pin_choice_order"}
        if not c.keys(where, question, _COMMON_QUESTION | {"choices"}, optional):
            return
        if "kind" in question and question["kind"] not in KIND_VALUES:
            c.error(where, f"'kind' must be one of {', '.join(KIND_VALUES)}.")
        if "scoring" in question and question["scoring"] not in SCORING_VALUES:
            c.error(where, f"'scoring' must be one of {', '.join(SCORING_VALUES)}.")
        if "pin_choice_order" in question and not isinstance(question["pin_choice_order"], bool):
            c.error(where, "'pin_choice_order' must be true or false.")
        choices = c.items(where, question, "choices", minimum=2)
        for ci, choice in enumerate(choices, start=1):
            cwhere = f"{where}, choice {ci}"
            if not c.keys(cwhere, choice, {"text", "correct", "feedback"}):
                continue
            c.text(cwhere, choice, "text", max_length=500)
            c.text(cwhere, choice, "feedback")
            if "correct" in choice and not isinstance(choice["correct"], bool):
                c.error(cwhere, "'correct' must be true or false.")
        if choices and all(isinstance(ch, dict) for ch in choices):
            correct = sum(1 for ch in choices if ch.get("correct") is True)
            if not correct:
                c.error(where, "'choices' needs at least one marked correct: true.")
            elif correct > 1 and question.get("kind") == "single":
                c.error(where, "'kind' is single but more than one choice is correct.")
    else:
        allowed = "question" if in_scenario else "question, true_false, scenario"
        c.error(where, f"'type' must be one of {allowed}.")
        return
    c.text(where, question, "prompt")
    c.text(where, question, "rationale")
    c.text(where, question, "references", required=False)
    if question.get("skill") not in SKILL_VALUES:
        c.error(where, f"'skill' must be one of {', '.join(SKILL_VALUES)}.")
    if question.get("image") and not (question.get("image_alt") or "").strip():
        c.error(where, "'image_alt' is required with an image.")


def _validate_quiz_settings(c: _Checker, settings) -> None:
    where = "quiz_settings"
    if not c.keys(where, settings, set(), set(QUIZ_SETTINGS)):
        return
    for name, value in settings.items():
        if name not in QUIZ_SETTINGS:
            continue  # reported above as not a field of this schema
        kind, _default, allowed = QUIZ_SETTINGS[name]
        if kind == "bool" and not isinstance(value, bool):
            c.error(where, f"'{name}' must be true or false.")
        elif kind == "int":
            c.integer(where, settings, name, *allowed)
        elif kind == "choice" and value not in allowed:
            c.error(where, f"'{name}' must be one of {', '.join(allowed)}.")


def _validate_url(c: _Checker, where: str, data: dict, key: str, *, required: bool) -> None:
    if key not in data or (not required and data[key] in (None, "")):
        return
    value = data[key]
    if not isinstance(value, str) or not re.match(r"^https?://\S+$", value):
        c.error(where, f"'{key}' must be a web address starting with http:// or https://.")


def _validate_block(c: _Checker, where: str, block) -> None:
    if not c.keys(where, block, {"type", "value"}):
        return
    kind = block.get("type")
    value = block.get("value")
    if kind == "text":
        if not isinstance(value, str) or not value.strip():
            c.error(f"{where} (text)", "'value' must be non-empty HTML text.")
    elif kind == "vignette":
        w = f"{where} (vignette)"
        if c.keys(w, value, {"title", "setting", "body"}, {"reflection", "content_note"}):
            c.text(w, value, "title", max_length=200)
            c.text(w, value, "content_note", required=False, max_length=300)
            c.text(w, value, "body")
            c.text(w, value, "reflection", required=False)
            if "setting" in value and value["setting"] not in SETTING_VALUES:
                c.error(w, f"'setting' must be one of {', '.join(SETTING_VALUES)}.")
    elif kind == "image":
        w = f"{where} (image)"
        if c.keys(w, value, {"image", "alt_text"}, {"caption"}):
            c.text(w, value, "image")
            c.text(w, value, "alt_text", max_length=250)
            c.text(w, value, "caption", required=False, max_length=250)
    elif kind == "video":
        w = f"{where} (video)"
        if c.keys(w, value, {"url", "title", "transcript"}):
            _validate_url(c, w, value, "url", required=True)
            c.text(w, value, "title", max_length=200)
            c.text(w, value, "transcript")
    else:
        c.error(where, "'type' must be one of text, vignette, image, video.")


# Data -> page fields ------------------------------------------------------------------------


def _id(slug: str, *path) -> str:
    """A stable block id for this site: the same file gives the same ids here, but ids cannot
    be worked out from the public source (they are keyed by the site's secret key), so a choice
    id never reveals where the author put that choice."""
    from django.conf import settings

    namespace = uuid.uuid5(_NAMESPACE, settings.SECRET_KEY)
    return str(uuid.uuid5(namespace, ":".join([slug, *map(str, path)])))


def _s(value) -> str:
    return (value or "").strip()


def _block_value(kind: str, value, image_id: Callable[[str], int | None]):
    if kind == "text":
        return _s(value)
    if kind == "vignette":
        return {
            "title": _s(value["title"]),
            "setting": value["setting"],
            "content_note": _s(value.get("content_note")),
            "body": _s(value["body"]),
            "reflection": _s(value.get("reflection")),
        }
    if kind == "image":
        return {
            "image": image_id(_s(value["image"])),
            "alt_text": _s(value["alt_text"]),
            "caption": _s(value.get("caption")),
        }
    return {
        "video": _s(value["url"]),
        "title": _s(value["title"]),
        "transcript": _s(value["transcript"]),
    }


def module_fields(spec: dict, image_id: Callable[[str], int | None] = lambda title: None) -> dict:
    """Field values for a TrainingModulePage. Block ids are derived from the slug and the
    position, so the same file always gives the same content. `image_id` resolves an image
    title to the id of an image in the library."""
    slug = spec["slug"]
    lessons = [
        {
            "type": "lesson",
            "id": _id(slug, "l", li),
            "value": {
                "title": _s(lesson["title"]),
                "body": [
                    {
                        "type": block["type"],
                        "id": _id(slug, "l", li, "b", bi),
                        "value": _block_value(block["type"], block["value"], image_id),
                    }
                    for bi, block in enumerate(lesson["blocks"])
                ],
            },
        }
        for li, lesson in enumerate(spec.get("lessons") or [])
    ]
    quiz = [_quiz_item(slug, qi, item, image_id) for qi, item in enumerate(spec.get("quiz") or [])]
    settings = {name: default for name, (_k, default, _a) in QUIZ_SETTINGS.items()}
    settings.update(spec.get("quiz_settings") or {})
    return {
        "title": _s(spec["title"]),
        "slug": slug,
        "summary": _s(spec["summary"]),
        "estimated_minutes": int(spec["estimated_minutes"]),
        "ce_hours": Decimal(str(spec.get("ce_hours") or 0)).quantize(Decimal("0.01")),
        "pass_mark": int(spec["pass_mark"]),
        "content_note": _s(spec.get("content_note")),
        "learning_objectives": [
            {"type": "objective", "id": _id(slug, "o", i), "value": _s(text)}
            for i, text in enumerate(spec.get("learning_objectives") or [])
        ],
        "lessons": lessons,
        "references": [
            {
                "type": "reference",
                "id": _id(slug, "r", i),
                "value": {"citation": _s(r["citation"]), "url": _s(r.get("url"))},
            }
            for i, r in enumerate(spec.get("references") or [])
        ],
        "quiz": quiz,
        **settings,
    }


def _question_common(q: dict, image_id) -> dict:
    image = _s(q.get("image"))
    return {
        "prompt": _s(q["prompt"]),
        "image": image_id(image) if image else None,
        "image_alt": _s(q.get("image_alt")) if image else "",
        "rationale": _s(q["rationale"]),
        "references": _s(q.get("references")),
        "skill": q["skill"],
    }


def _question_value(slug: str, path: tuple, q: dict, image_id) -> dict:
    correct = sum(1 for c in q["choices"] if c["correct"])
    return {
        **_question_common(q, image_id),
        "kind": q.get("kind") or ("multiple" if correct > 1 else "single"),
        "scoring": q.get("scoring") or "all_or_nothing",
        "pin_choice_order": bool(q.get("pin_choice_order", False)),
        "choices": [
            {
                "type": "item",
                "id": _id(slug, *path, "c", ci),
                "value": {
                    "text": _s(choice["text"]),
                    "correct": bool(choice["correct"]),
                    "feedback": _s(choice["feedback"]),
                },
            }
            for ci, choice in enumerate(q["choices"])
        ],
    }


def _quiz_item(slug: str, qi: int, item: dict, image_id) -> dict:
    kind = item.get("type", "question")
    if kind == "true_false":
        value = {
            **_question_common(item, image_id),
            "correct_answer": "true" if item["correct_answer"] else "false",
            "feedback_true": _s(item["feedback_true"]),
            "feedback_false": _s(item["feedback_false"]),
        }
    elif kind == "scenario":
        value = {
            "title": _s(item["title"]),
            "setting": item["setting"],
            "content_note": _s(item.get("content_note")),
            "vignette": _s(item["vignette"]),
            "questions": [
                {
                    "type": "item",
                    "id": _id(slug, "q", qi, "s", si),
                    "value": _question_value(slug, ("q", qi, "s", si), question, image_id),
                }
                for si, question in enumerate(item["questions"])
            ],
        }
    else:
        kind = "question"
        value = _question_value(slug, ("q", qi), item, image_id)
    return {"type": kind, "id": _id(slug, "q", qi), "value": value}


# Page -> data -----------------------------------------------------------------------------


def _rich(value) -> str:
    return _s(getattr(value, "source", value))


def _optional(mapping: dict, **values) -> dict:
    """Add the values that are not empty (optional keys are left out when blank)."""
    mapping.update({k: v for k, v in values.items() if v})
    return mapping


def _export_block(block) -> dict:
    kind, value = block.block_type, block.value
    if kind == "text":
        return {"type": "text", "value": _rich(value)}
    if kind == "vignette":
        return {
            "type": "vignette",
            "value": _optional(
                _optional(
                    {"title": value["title"], "setting": value["setting"]},
                    content_note=_s(value.get("content_note")),
                )
                | {"body": _rich(value["body"])},
                reflection=_s(value["reflection"]),
            ),
        }
    if kind == "image":
        image = value["image"]
        return {
            "type": "image",
            "value": _optional(
                {"image": image.title if image else "", "alt_text": value["alt_text"]},
                caption=_s(value["caption"]),
            ),
        }
    video = value["video"]
    return {
        "type": "video",
        "value": {
            "url": getattr(video, "url", video) or "",
            "title": value["title"],
            "transcript": _rich(value["transcript"]),
        },
    }


def module_spec(page) -> dict:
    """A TrainingModulePage (saved or not) as module data, in the schema's key order."""
    hours = Decimal(page.ce_hours or 0)
    spec = {
        "slug": page.slug,
        "title": page.title,
        "summary": _s(page.summary),
        "estimated_minutes": page.estimated_minutes,
        "ce_hours": int(hours) if hours == hours.to_integral() else float(hours),
        "pass_mark": page.pass_mark,
        "learning_objectives": [_s(b.value) for b in page.learning_objectives],
    }
    _optional(spec, content_note=_s(page.content_note))
    spec["lessons"] = [
        {"title": b.value["title"], "blocks": [_export_block(x) for x in b.value["body"]]}
        for b in page.lessons
    ]
    spec["references"] = [
        _optional({"citation": _s(b.value["citation"])}, url=_s(b.value["url"]))
        for b in page.references
    ]
    spec["quiz"] = [_export_quiz_item(b) for b in page.quiz]
    spec["quiz_settings"] = {name: getattr(page, name) for name in QUIZ_SETTINGS}
    return spec


def _export_common(value) -> dict:
    out = {
        "prompt": _rich(value["prompt"]),
        "skill": value["skill"],
        "rationale": _s(value["rationale"]),
    }
    image = value["image"]
    return _optional(
        out,
        references=_s(value["references"]),
        image=image.title if image else "",
        image_alt=_s(value["image_alt"]) if image else "",
    )


def _export_question(value) -> dict:
    out = _export_common(value)
    out["kind"] = value["kind"]
    if value["kind"] == "multiple":
        out["scoring"] = value["scoring"]
    if value["pin_choice_order"]:
        out["pin_choice_order"] = True
    out["choices"] = [
        {
            "text": c.value["text"],
            "correct": bool(c.value["correct"]),
            "feedback": _s(c.value["feedback"]),
        }
        for c in value["choices"].bound_blocks
    ]
    return out


def _export_quiz_item(block) -> dict:
    value = block.value
    if block.block_type == "true_false":
        return {
            "type": "true_false",
            **_export_common(value),
            "correct_answer": value["correct_answer"] == "true",
            "feedback_true": _s(value["feedback_true"]),
            "feedback_false": _s(value["feedback_false"]),
        }
    if block.block_type == "scenario":
        return {
            "type": "scenario",
            "title": value["title"],
            "setting": value["setting"],
            **_optional({}, content_note=_s(value.get("content_note"))),
            "vignette": _rich(value["vignette"]),
            "questions": [_export_question(q.value) for q in value["questions"].bound_blocks],
        }
    return _export_question(value)


class _LiteralDumper(yaml.SafeDumper):
    """Multi-line text as literal blocks (|), so HTML stays readable in reviews."""


def _str_representer(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _str_representer)


def dump_spec(spec: dict) -> str:
    return yaml.dump(spec, Dumper=_LiteralDumper, sort_keys=False, allow_unicode=True, width=100)
