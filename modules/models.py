"""Pages for what is taught. Nothing here knows about people or records."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import LessonBlock, QuestionBlock, ReferenceBlock


class LoginRequiredPageMixin:
    """Training content is for the hospital's own staff: ask anonymous visitors to log in."""

    def serve(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        return super().serve(request, *args, **kwargs)


class ModuleIndexPage(LoginRequiredPageMixin, Page):
    """The module catalogue (/modules/): lists every published training module."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["modules.TrainingModulePage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The explorer's order: educators arrange the catalogue by dragging pages in the admin.
        context["modules"] = TrainingModulePage.objects.child_of(self).live().public()
        return context


class TrainingModulePage(LoginRequiredPageMixin, Page):
    """One short training module: lessons, then a quiz graded on the server.

    The quiz lives on the same page so that a learner's attempt can be pinned to the
    page revision it was graded against.
    """

    summary = models.TextField(help_text="One or two sentences shown in the catalogue.")
    learning_objectives = StreamField(
        [("objective", blocks.CharBlock(max_length=300))],
        blank=True,
        help_text="What a learner can do by the end; start each with a verb.",
    )
    estimated_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    ce_hours = models.DecimalField(
        "CE hours",
        max_digits=4,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text="Continuing-education hours awarded on completion.",
    )
    content_note = RichTextField(
        blank=True,
        features=["bold", "italic", "link"],
        help_text="Shown before the lessons when they include distressing material.",
    )
    lessons = StreamField([("lesson", LessonBlock())], blank=True)
    references = StreamField([("reference", ReferenceBlock())], blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Percentage of questions a learner must answer correctly to pass.",
    )
    quiz = StreamField(
        [("question", QuestionBlock())],
        help_text="Required before publishing: at least one question.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("estimated_minutes"),
                FieldPanel("ce_hours"),
                FieldPanel("learning_objectives"),
            ],
            heading="About this module",
        ),
        FieldPanel("content_note"),
        FieldPanel("lessons"),
        FieldPanel("references"),
        MultiFieldPanel([FieldPanel("pass_mark"), FieldPanel("quiz")], heading="Quiz"),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary")]
    parent_page_types = ["modules.ModuleIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "training module"

    def quiz_questions(self) -> list[dict]:
        """The quiz as plain data (the shape modules.grading expects), with stable ids."""
        questions = []
        for block in self.quiz:
            value = block.value
            questions.append(
                {
                    "id": block.id,
                    "prompt": value["prompt"].source,
                    "rationale": value["rationale"],
                    "skill": value["skill"],
                    "choices": [
                        {
                            "id": choice.id,
                            "text": choice.value["text"],
                            "correct": bool(choice.value["correct"]),
                            "feedback": choice.value["feedback"],
                        }
                        for choice in value["choices"].bound_blocks
                    ],
                }
            )
        return questions
