"""Small template helpers for quiz pages (no people, no records)."""

from django import template

from ..blocks import SETTINGS, SKILLS

register = template.Library()
SKILL_LABELS = dict(SKILLS)
SETTING_LABELS = dict(SETTINGS)


@register.filter
def lookup(mapping, key):
    """mapping[key] in a template, or None."""
    return mapping.get(key) if mapping else None


@register.filter
def skill_label(skill: str) -> str:
    return SKILL_LABELS.get(skill, skill)


@register.filter
def setting_label(setting: str) -> str:
    """A care setting (stored as its English name) in the interface language."""
    return SETTING_LABELS.get(setting, setting)
