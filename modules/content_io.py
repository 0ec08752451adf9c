"""Module content as plain data (the YAML files under modules/curriculum/).

`module_fields(spec)` turns one module's data into the field values of a
TrainingModulePage. Block ids are derived from the module slug and position, so loading
the same file twice gives identical content.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

import yaml

CURRICULUM_DIR = Path(__file__).resolve().parent / "curriculum"
_NAMESPACE = uuid.UUID("6f1c1c6e-6a77-4c43-9a53-7a1f5f0b7e11")


def _id(slug: str, *path) -> str:
    return str(uuid.uuid5(_NAMESPACE, ":".join([slug, *map(str, path)])))


def load_file(path: Path | str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def module_fields(spec: dict) -> dict:
    slug = spec["slug"]
    lessons = []
    for li, lesson in enumerate(spec.get("lessons", [])):
        body = [
            {"type": block["type"], "value": block["value"], "id": _id(slug, "l", li, "b", bi)}
            for bi, block in enumerate(lesson["blocks"])
        ]
        lessons.append(
            {
                "type": "lesson",
                "value": {"title": lesson["title"], "body": body},
                "id": _id(slug, "l", li),
            }
        )
    quiz = []
    for qi, q in enumerate(spec.get("quiz", [])):
        choices = [
            {
                "type": "item",
                "value": {
                    "text": c["text"],
                    "correct": bool(c.get("correct", False)),
                    "feedback": c["feedback"],
                },
                "id": _id(slug, "q", qi, "c", ci),
            }
            for ci, c in enumerate(q["choices"])
        ]
        quiz.append(
            {
                "type": "question",
                "value": {
                    "prompt": q["prompt"].strip(),
                    "choices": choices,
                    "rationale": q["rationale"],
                    "skill": q.get("skill", "recognise"),
                },
                "id": _id(slug, "q", qi),
            }
        )
    return {
        "title": spec["title"],
        "slug": slug,
        "summary": spec["summary"].strip(),
        "estimated_minutes": int(spec["estimated_minutes"]),
        "ce_hours": Decimal(str(spec.get("ce_hours", 0))),
        "pass_mark": int(spec.get("pass_mark", 80)),
        "content_note": (spec.get("content_note") or "").strip(),
        "learning_objectives": [
            {"type": "objective", "value": text, "id": _id(slug, "o", i)}
            for i, text in enumerate(spec.get("learning_objectives", []))
        ],
        "lessons": lessons,
        "references": [
            {
                "type": "reference",
                "value": {"citation": r["citation"], "url": r.get("url", "")},
                "id": _id(slug, "r", i),
            }
            for i, r in enumerate(spec.get("references", []))
        ],
        "quiz": quiz,
    }
