"""Pages for what is taught. Nothing here knows about people or records."""

from __future__ import annotations

import math
from collections import Counter

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.template.response import TemplateResponse
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
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
    ("score", _("Score only")),
    ("right_wrong", _("Which questions were right")),
    ("answers", _("Also the correct answers")),
    ("full", _("Also feedback and rationale")),
]
# How long looking at an image takes, counted as characters of reading (a short paragraph).
IMAGE_WEIGHT = 300
# Keys of lesson block data that are not read by the learner.
_UNREAD_KEYS = {"id", "type", "setting", "image", "video", "video_file", "captions"}
_UNREAD_KEYS |= {"captions_language"}

CONFIDENCE_CHOICES = [
    ("none", _("Don't ask")),
    ("question", _("For each question")),
    ("skill", _("For each skill")),
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

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

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

    summary = models.TextField(
        _("summary"), help_text=_("One or two sentences shown in the catalogue.")
    )
    learning_objectives = StreamField(
        [("objective", blocks.CharBlock(max_length=300, label=_("Objective")))],
        blank=True,
        verbose_name=_("learning objectives"),
        help_text=_("What a learner can do by the end; start each with a verb."),
    )
    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated minutes"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text=_(
            "Time for the lessons and the quiz together. Learners see the time left as they go."
        ),
    )
    ce_hours = models.DecimalField(
        _("CE hours"),
        max_digits=4,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("Continuing-education hours awarded on completion."),
    )
    content_note = RichTextField(
        _("content note"),
        blank=True,
        features=["bold", "italic", "link"],
        help_text=_("Shown before the lessons when they include distressing material."),
    )
    lessons = StreamField([("lesson", LessonBlock())], blank=True, verbose_name=_("lessons"))
    references = StreamField(
        [("reference", ReferenceBlock())], blank=True, verbose_name=_("references")
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Percentage of questions a learner must answer correctly to pass."),
    )
    quiz = StreamField(
        [
            ("question", QuestionBlock()),
            ("true_false", TrueFalseBlock()),
            ("scenario", ScenarioBlock()),
        ],
        verbose_name=_("quiz"),
        help_text=_("The question pool. Required before publishing: at least one question."),
    )
    draw_count = models.PositiveSmallIntegerField(
        _("questions to draw"),
        default=0,
        help_text=_(
            "Draw this many questions at random for each attempt (0: use every question). "
            "Scenario sets are always included whole."
        ),
    )
    draw_per_skill = models.BooleanField(
        _("draw per skill"),
        default=False,
        help_text=_("Draw the number above for each skill tag instead of in all."),
    )
    shuffle_choices = models.BooleanField(
        _("shuffle choices"),
        default=True,
        help_text=_("Shuffle choices in each attempt, unless a question pins its order."),
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("max attempts"),
        default=0,
        help_text=_("How many graded attempts a learner may make (0: unlimited)."),
    )
    attempt_wait_minutes = models.PositiveIntegerField(
        _("wait between attempts (minutes)"), default=0
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"),
        default=0,
        validators=[MaxValueValidator(600)],
        help_text=_("0: no time limit. Enforced on the server."),
    )
    review_after_fail = models.CharField(
        _("review after a failed attempt"),
        max_length=20,
        choices=REVIEW_LEVELS,
        default="right_wrong",
        help_text=_(
            "What a learner sees after an attempt that did not pass. Note that saying "
            "whether a true/false answer was right gives that answer away."
        ),
    )
    review_after_pass = models.CharField(
        _("review after a passed attempt"),
        max_length=20,
        choices=REVIEW_LEVELS,
        default="full",
        help_text=_("What a learner sees after passing. 'Score only' in both: never review."),
    )
    pretest = models.BooleanField(
        _("ask for a pre-test"),
        default=False,
        help_text=_(
            "Before the lessons, a pre-test drawn from the same pool (not counted toward "
            "passing; shows the score only), so learning gains can be measured."
        ),
    )
    confidence = models.CharField(
        _("ask for confidence"),
        max_length=20,
        choices=CONFIDENCE_CHOICES,
        default="none",
        help_text=_("Learners rate their confidence from 1 to 5, in the pre-test and the quiz."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("estimated_minutes"),
                FieldPanel("ce_hours"),
                FieldPanel("learning_objectives"),
            ],
            heading=_("About this module"),
        ),
        FieldPanel("content_note"),
        FieldPanel("lessons"),
        FieldPanel("references"),
        MultiFieldPanel([FieldPanel("pass_mark"), FieldPanel("quiz")], heading=_("Quiz")),
    ]
    settings_panels = Page.settings_panels + [
        MultiFieldPanel(
            [
                FieldPanel("draw_count"),
                FieldPanel("draw_per_skill"),
                FieldPanel("shuffle_choices"),
            ],
            heading=_("Question pool"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("max_attempts"),
                FieldPanel("attempt_wait_minutes"),
                FieldPanel("time_limit_minutes"),
            ],
            heading=_("Attempts"),
        ),
        MultiFieldPanel(
            [FieldPanel("review_after_fail"), FieldPanel("review_after_pass")],
            heading=_("Review"),
        ),
        MultiFieldPanel(
            [FieldPanel("pretest"), FieldPanel("confidence")], heading=_("Measuring learning")
        ),
    ]
    preview_modes = [("", _("Module page")), ("quiz", _("Quiz as a learner sees it"))]
    search_fields = Page.search_fields + [index.SearchField("summary")]
    parent_page_types = ["modules.ModuleIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("training module")
        verbose_name_plural = _("training modules")

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
                    _("%(skill)s has %(count)d")
                    % {"skill": str(label).lower(), "count": standalone[skill]}
                    for skill, label in SKILLS
                    if 0 < standalone[skill] < self.draw_count
                ]
                if short:
                    raise ValidationError(
                        {
                            "draw_count": _(
                                "Cannot draw %(count)d per skill: %(short)s "
                                "(scenario sets are not drawn)."
                            )
                            % {"count": self.draw_count, "short": "; ".join(short)}
                        }
                    )
            elif sum(standalone.values()) < self.draw_count:
                raise ValidationError(
                    {
                        "draw_count": _(
                            "The pool has %(pool)d questions outside scenario sets; "
                            "it cannot draw %(count)d."
                        )
                        % {"pool": sum(standalone.values()), "count": self.draw_count}
                    }
                )

    # Lessons, one at a time ---------------------------------------------------------------

    def lesson_titles(self) -> list[str]:
        """The lessons' titles in order (read from the stored data: no image lookups)."""
        return [item["value"]["title"] for item in self.lessons.raw_data]

    def time_plan(self) -> tuple[list[float], float]:
        """`estimated_minutes` spread over the lessons and the quiz: (minutes for each lesson,
        minutes for the quiz).

        Each lesson's share follows the length of what the learner reads in it (text, case
        vignettes, transcripts; an image counts as a short paragraph); the quiz counts as
        one lesson of average length. No database access.
        """
        weights = [max(_reading_weight(item["value"]), 1) for item in self.lessons.raw_data]
        quiz = sum(weights) / len(weights) if weights else 1
        total = sum(weights) + quiz
        minutes = self.estimated_minutes or 0
        return [minutes * w / total for w in weights], minutes * quiz / total

    def minutes_left(self, number: int) -> int:
        """Whole minutes (rounded up) left from the start of lesson `number` to the end of
        the quiz; `number` past the last lesson leaves only the quiz."""
        lessons, quiz = self.time_plan()
        return max(1, math.ceil(sum(lessons[max(number, 1) - 1 :]) + quiz - 1e-9))

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
                    "content_note": block.value.get("content_note") or "",
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


def _reading_weight(data) -> int:
    """Characters a learner reads in one lesson's stored data (tags stripped)."""
    if isinstance(data, str):
        return len(strip_tags(data).strip())
    if isinstance(data, list):
        return sum(_reading_weight(item) for item in data)
    if isinstance(data, dict):
        weight = IMAGE_WEIGHT if data.get("type") == "image" else 0
        return weight + sum(
            _reading_weight(value) for key, value in data.items() if key not in _UNREAD_KEYS
        )
    return 0


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
