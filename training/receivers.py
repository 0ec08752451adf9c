"""Receivers that keep assignments true when a module is published or unpublished.

Connected in TrainingConfig.ready(). Bodies only call services.
"""

from __future__ import annotations

from django.db.models import Q

from .models import Requirement


def _sync_module(instance, *, reason: str) -> None:
    from . import services

    ids = list(
        Requirement.objects.filter(Q(module_id=instance.pk) | Q(module_set__modules=instance.pk))
        .values_list("pk", flat=True)
        .distinct()
    )
    if ids:
        services.assignments_sync(requirement_ids=ids, actor=None, reason=reason)


# The acting user comes from the request (simple-history's middleware) when there is one.


def module_published(sender, instance, **kwargs):
    _sync_module(instance, reason=f"Module published: {instance.title}")


def module_unpublished(sender, instance, **kwargs):
    _sync_module(instance, reason=f"Module unpublished: {instance.title}")
