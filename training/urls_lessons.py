"""Lesson-by-lesson learning under /learn/ (included by urls_learn, in the `training` namespace)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
