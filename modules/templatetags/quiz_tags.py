"""Small template helpers for quiz pages (no people, no records)."""

from django import template

from ..blocks import SKILLS

register = template.Library()
SKILL_LABELS = dict(SKILLS)


@register.filter
def lookup(mapping, key):
    """mapping[key] in a template, or None."""
    return mapping.get(key) if mapping else None


@register.filter
def skill_label(skill: str) -> str:
    return SKILL_LABELS.get(skill, skill)
