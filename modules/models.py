"""Pages for what is taught. Nothing here knows about people or records."""

from __future__ import annotations

from collections import Counter

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.template.response import TemplateResponse
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.search import index

from .blocks import (
    SKILLS,
    LessonBlock,
    QuestionBlock,
    ReferenceBlock,
    ScenarioBlock,
    TrueFalseBlock,
)
from .draw import draw_questions
from .grading import learner_view

REVIEW_LEVELS = [
    ("score", "Score only"),
    ("right_wrong", "Which questions were right"),
    ("answers", "Also the correct answers"),
    ("full", "Also feedback and rationale"),
]
CONFIDENCE_CHOICES = [
    ("none", "Don't ask"),
    ("question", "For each question"),
    ("skill", "For each skill"),
]


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
        [
            ("question", QuestionBlock()),
            ("true_false", TrueFalseBlock()),
            ("scenario", ScenarioBlock()),
        ],
        help_text="The question pool. Required before publishing: at least one question.",
    )
    draw_count = models.PositiveSmallIntegerField(
        "questions to draw",
        default=0,
        help_text="Draw this many questions at random for each attempt (0: use every question). "
        "Scenario sets are always included whole.",
    )
    draw_per_skill = models.BooleanField(
        "draw per skill",
        default=False,
        help_text="Draw the number above for each skill tag instead of in all.",
    )
    shuffle_choices = models.BooleanField(
        default=True, help_text="Shuffle choices in each attempt, unless a question pins its order."
    )
    max_attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many graded attempts a learner may make (0: unlimited)."
    )
    attempt_wait_minutes = models.PositiveIntegerField("wait between attempts (minutes)", default=0)
    time_limit_minutes = models.PositiveSmallIntegerField(
        "time limit (minutes)",
        default=0,
        validators=[MaxValueValidator(600)],
        help_text="0: no time limit. Enforced on the server.",
    )
    review_after_fail = models.CharField(
        "review after a failed attempt",
        max_length=20,
        choices=REVIEW_LEVELS,
        default="right_wrong",
        help_text="What a learner sees after an attempt that did not pass. Note that saying "
        "whether a true/false answer was right gives that answer away.",
    )
    review_after_pass = models.CharField(
        "review after a passed attempt",
        max_length=20,
        choices=REVIEW_LEVELS,
        default="full",
        help_text="What a learner sees after passing. 'Score only' in both: never review.",
    )
    pretest = models.BooleanField(
        "ask for a pre-test",
        default=False,
        help_text="Before the lessons, a pre-test drawn from the same pool (not counted toward "
        "passing; shows the score only), so learning gains can be measured.",
    )
    confidence = models.CharField(
        "ask for confidence",
        max_length=20,
        choices=CONFIDENCE_CHOICES,
        default="none",
        help_text="Learners rate their confidence from 1 to 5, in the pre-test and the quiz.",
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
    settings_panels = Page.settings_panels + [
        MultiFieldPanel(
            [
                FieldPanel("draw_count"),
                FieldPanel("draw_per_skill"),
                FieldPanel("shuffle_choices"),
            ],
            heading="Question pool",
        ),
        MultiFieldPanel(
            [
                FieldPanel("max_attempts"),
                FieldPanel("attempt_wait_minutes"),
                FieldPanel("time_limit_minutes"),
            ],
            heading="Attempts",
        ),
        MultiFieldPanel(
            [FieldPanel("review_after_fail"), FieldPanel("review_after_pass")],
            heading="Review",
        ),
        MultiFieldPanel(
            [FieldPanel("pretest"), FieldPanel("confidence")], heading="Measuring learning"
        ),
    ]
    preview_modes = [("", "Module page"), ("quiz", "Quiz as a learner sees it")]
    search_fields = Page.search_fields + [index.SearchField("summary")]
    parent_page_types = ["modules.ModuleIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "training module"

    def clean(self):
        super().clean()
        self.validate_draw()

    def validate_draw(self):
        """A pool must hold at least as many questions as each attempt draws."""
        standalone = Counter(
            block.value["skill"] for block in self.quiz if block.block_type != "scenario"
        )
        if self.draw_count:
            if self.draw_per_skill:
                short = [
                    f"{label.lower()} has {standalone[skill]}"
                    for skill, label in SKILLS
                    if 0 < standalone[skill] < self.draw_count
                ]
                if short:
                    raise ValidationError(
                        {
                            "draw_count": f"Cannot draw {self.draw_count} per skill: "
                            + "; ".join(short)
                            + " (scenario sets are not drawn)."
                        }
                    )
            elif sum(standalone.values()) < self.draw_count:
                raise ValidationError(
                    {
                        "draw_count": f"The pool has {sum(standalone.values())} questions outside "
                        f"scenario sets; it cannot draw {self.draw_count}."
                    }
                )

    def quiz_pool(self) -> list[dict]:
        """The whole question pool as plain data (what modules.draw and modules.grading use).

        Scenario-set questions carry their scenario; true/false questions are given two
        choices with ids derived from the block id.
        """
        pool = []
        for block in self.quiz:
            if block.block_type == "scenario":
                scenario = {
                    "id": block.id,
                    "title": block.value["title"],
                    "setting": block.value["setting"],
                    "vignette": block.value["vignette"].source,
                }
                for child in block.value["questions"].bound_blocks:
                    pool.append(_question(child.id, "question", child.value, scenario))
            else:
                pool.append(_question(block.id, block.block_type, block.value, None))
        return pool

    @property
    def question_count(self) -> int:
        """Questions in the pool, counting each question of a scenario set."""
        return sum(
            len(block.value["questions"]) if block.block_type == "scenario" else 1
            for block in self.quiz
        )

    def serve_preview(self, request, mode_name):
        if mode_name == "quiz":
            questions = learner_view(
                draw_questions(self.quiz_pool(), settings=self.draw_settings())
            )
            image_ids = {q["image_id"] for q in questions if q["image_id"]}
            skills = sorted({q["skill"] for q in questions}) if self.confidence == "skill" else []
            return TemplateResponse(
                request,
                "modules/quiz_preview.html",
                {
                    "page": self,
                    "questions": questions,
                    "images": get_image_model().objects.in_bulk(image_ids),
                    "confidence_mode": self.confidence,
                    "skill_ratings": [(skill, None) for skill in skills],
                },
            )
        return super().serve_preview(request, mode_name)

    def draw_settings(self) -> dict:
        return {
            "draw_count": self.draw_count,
            "per_skill": self.draw_per_skill,
            "shuffle_choices": self.shuffle_choices,
        }


def _question(block_id: str, block_type: str, value, scenario) -> dict:
    image = value["image"]
    common = {
        "id": block_id,
        "prompt": value["prompt"].source,
        "image_id": image.pk if image else None,
        "image_alt": value["image_alt"] if image else "",
        "rationale": value["rationale"],
        "references": value["references"],
        "skill": value["skill"],
        "scenario": scenario,
    }
    if block_type == "true_false":
        answer = value["correct_answer"]
        return {
            **common,
            "kind": "true_false",
            "scoring": "all_or_nothing",
            "pinned": True,
            "choices": [
                {
                    "id": f"{block_id}-true",
                    "text": "True",
                    "correct": answer == "true",
                    "feedback": value["feedback_true"],
                },
                {
                    "id": f"{block_id}-false",
                    "text": "False",
                    "correct": answer == "false",
                    "feedback": value["feedback_false"],
                },
            ],
        }
    return {
        **common,
        "kind": value["kind"],
        "scoring": value["scoring"] if value["kind"] == "multiple" else "all_or_nothing",
        "pinned": bool(value["pin_choice_order"]),
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
