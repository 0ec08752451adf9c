"""Lesson-by-lesson learning under /learn/ (included by urls_learn, in the `training` namespace)."""

from django.urls import path

from . import views_lessons

urlpatterns: list = [
    path(
        "modules/<int:module_id>/lessons/<int:number>/",
        views_lessons.lesson,
        name="lesson",
    ),
]
