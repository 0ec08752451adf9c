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
        vignette: {title, setting, body: html, reflection?}
        image: {image: title of an image in the Wagtail library, alt_text, caption?}
        video: {url, title, transcript: html}
    references: [{citation, url?}]
    quiz: [{prompt: html, skill: recognise|interpret|respond|refer, rationale,
            choices: [{text, correct: bool, feedback}] (two or more, one or more correct)}]
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from .blocks import SETTINGS, SKILLS

CURRICULUM_DIR = Path(__file__).resolve().parent / "curriculum"
_NAMESPACE = uuid.UUID("6f1c1c6e-6a77-4c43-9a53-7a1f5f0b7e11")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SETTING_VALUES = [value for value, _ in SETTINGS]
SKILL_VALUES = [value for value, _ in SKILLS]


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
    top_optional = {"ce_hours", "learning_objectives", "content_note", "references"}
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

    for qi, question in enumerate(c.items("", data, "quiz", minimum=1), start=1):
        where = f"question {qi}"
        if not c.keys(where, question, {"prompt", "skill", "rationale", "choices"}):
            continue
        c.text(where, question, "prompt")
        c.text(where, question, "rationale")
        if "skill" in question and question["skill"] not in SKILL_VALUES:
            c.error(where, f"'skill' must be one of {', '.join(SKILL_VALUES)}.")
        choices = c.items(where, question, "choices", minimum=2)
        for ci, choice in enumerate(choices, start=1):
            cwhere = f"{where}, choice {ci}"
            if not c.keys(cwhere, choice, {"text", "correct", "feedback"}):
                continue
            c.text(cwhere, choice, "text", max_length=500)
            c.text(cwhere, choice, "feedback")
            if "correct" in choice and not isinstance(choice["correct"], bool):
                c.error(cwhere, "'correct' must be true or false.")
        dicts = choices and all(isinstance(ch, dict) for ch in choices)
        if dicts and not any(ch.get("correct") is True for ch in choices):
            c.error(where, "'choices' needs at least one marked correct: true.")
    return c.errors


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
        if c.keys(w, value, {"title", "setting", "body"}, {"reflection"}):
            c.text(w, value, "title", max_length=200)
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
    return str(uuid.uuid5(_NAMESPACE, ":".join([slug, *map(str, path)])))


def _s(value) -> str:
    return (value or "").strip()


def _block_value(kind: str, value, image_id: Callable[[str], int | None]):
    if kind == "text":
        return _s(value)
    if kind == "vignette":
        return {
            "title": _s(value["title"]),
            "setting": value["setting"],
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
    quiz = [
        {
            "type": "question",
            "id": _id(slug, "q", qi),
            "value": {
                "prompt": _s(q["prompt"]),
                "choices": [
                    {
                        "type": "item",
                        "id": _id(slug, "q", qi, "c", ci),
                        "value": {
                            "text": _s(choice["text"]),
                            "correct": bool(choice["correct"]),
                            "feedback": _s(choice["feedback"]),
                        },
                    }
                    for ci, choice in enumerate(q["choices"])
                ],
                "rationale": _s(q["rationale"]),
                "skill": q["skill"],
            },
        }
        for qi, q in enumerate(spec.get("quiz") or [])
    ]
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
    }


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
                {
                    "title": value["title"],
                    "setting": value["setting"],
                    "body": _rich(value["body"]),
                },
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
    spec["quiz"] = [
        {
            "prompt": _rich(b.value["prompt"]),
            "skill": b.value["skill"],
            "rationale": _s(b.value["rationale"]),
            "choices": [
                {
                    "text": c.value["text"],
                    "correct": bool(c.value["correct"]),
                    "feedback": _s(c.value["feedback"]),
                }
                for c in b.value["choices"].bound_blocks
            ],
        }
        for b in page.quiz
    ]
    return spec


class _LiteralDumper(yaml.SafeDumper):
    """Multi-line text as literal blocks (|), so HTML stays readable in reviews."""


def _str_representer(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _str_representer)


def dump_spec(spec: dict) -> str:
    return yaml.dump(spec, Dumper=_LiteralDumper, sort_keys=False, allow_unicode=True, width=100)
