"""Helpers shared by the services."""

from __future__ import annotations

from django.contrib.auth.models import User


def _stamp(instance, actor: User | None):
    """Record who made the change in django-simple-history."""
    if actor is not None:
        instance._history_user = actor
    return instance
