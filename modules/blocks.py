"""StreamField blocks for lessons and quizzes.

Lessons mix rich text, images (alt text required), video with a transcript and case
vignettes. A quiz is a list of questions; each choice carries its own feedback, and the
question a rationale and the skill it tests.
"""

import re
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

# No "image" (nor "embed"): every image learners see goes through ImageBlock or a question's
# image, whose alt text the editor requires. Draftail's own image embed would let an empty
# alt text through ("decorative"), so rich text does not offer it.
RICH_TEXT_FEATURES = ["h3", "h4", "bold", "italic", "ol", "ul", "link"]

SETTINGS = [
    ("NICU", _("NICU")),
    ("PICU", _("PICU")),
    ("Cardiac ICU", _("Cardiac ICU")),
    ("Ward", _("Ward")),
    ("Procedure room", _("Procedure room")),
    ("Clinic", _("Clinic")),
    ("Rehab", _("Rehab")),
    ("Emergency department", _("Emergency department")),
]

SKILLS = [
    ("recognise", _("Recognise")),
    ("interpret", _("Interpret")),
    ("respond", _("Respond")),
    ("refer", _("Refer")),
]

VIDEO_EXTENSIONS = {".mp4", ".m4v", ".webm", ".ogv"}
CAPTION_EXTENSIONS = {".vtt"}

CONTENT_NOTE_HELP = _(
    "Optional. A short warning shown first when the case may distress (for example a baby's "
    "death or abuse); the learner then chooses to open the case."
)


def _extension(document) -> str:
    name = getattr(getattr(document, "file", None), "name", "") or ""
    return PurePosixPath(name).suffix.lower()


def _has_text(rich) -> bool:
    """Whether a rich-text value holds any words (the editor posts "<p></p>" when empty)."""
    source = getattr(rich, "source", rich) or ""
    return bool(re.sub(r"<[^>]*>|&nbsp;|\s", "", source))


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt_text = blocks.CharBlock(
        max_length=250,
        label=_("Alt text"),
        help_text=_("Describe the image for someone who cannot see it."),
    )
    caption = blocks.CharBlock(required=False, max_length=250, label=_("Caption"))

    class Meta:
        icon = "image"
        label = _("Image")
        template = "blocks/image_block.html"


class VideoBlock(blocks.StructBlock):
    """A video on an approved host (embed) or uploaded to the document library (file).

    Staff often cannot play sound at work, and some cannot hear it: every video has
    captions (a WebVTT file, for an uploaded video) or a full transcript, or both.
    """

    video = EmbedBlock(
        required=False,
        label=_("Video link"),
        help_text=_("Link to the video on an approved host. Or upload a video file below."),
    )
    video_file = DocumentChooserBlock(
        required=False,
        label=_("Video file"),
        help_text=_("An MP4 or WebM file from the document library (instead of a link)."),
    )
    captions = DocumentChooserBlock(
        required=False,
        label=_("Captions (WebVTT)"),
        help_text=_("A .vtt captions file for the uploaded video, shown on the player."),
    )
    captions_language = blocks.CharBlock(
        required=False,
        max_length=12,
        default="en",
        label=_("Captions language"),
        help_text=_("Language code of the captions, such as en or es."),
    )
    title = blocks.CharBlock(max_length=200, label=_("Title"))
    transcript = blocks.RichTextBlock(
        required=False,
        features=RICH_TEXT_FEATURES,
        label=_("Transcript"),
        help_text=_(
            "A full transcript, for staff who cannot play sound at work. Required for a "
            "linked video; for an uploaded video, give captions or a transcript (best: both)."
        ),
    )

    class Meta:
        icon = "media"
        label = _("Video")
        template = "blocks/video_block.html"

    def clean(self, value):
        value = super().clean(value)
        errors = {}
        embed, upload, captions = value.get("video"), value.get("video_file"), value.get("captions")
        has_transcript = _has_text(value.get("transcript"))
        if embed and upload:
            errors["video_file"] = ValidationError(
                _("Choose a video link or a video file, not both.")
            )
        elif not embed and not upload:
            errors["video"] = ValidationError(_("Add a link to the video or choose a video file."))
        if upload and _extension(upload) not in VIDEO_EXTENSIONS:
            errors["video_file"] = ValidationError(
                _("The video file must be an MP4 or WebM video (.mp4, .m4v, .webm or .ogv).")
            )
        if captions and _extension(captions) not in CAPTION_EXTENSIONS:
            errors["captions"] = ValidationError(
                _("Captions must be a WebVTT file (a name ending in .vtt).")
            )
        elif captions and not upload:
            errors["captions"] = ValidationError(
                _(
                    "Captions files go with an uploaded video. For a linked video, turn on the "
                    "host's captions and add a transcript."
                )
            )
        if embed and not has_transcript and "video" not in errors:
            errors["transcript"] = ValidationError(
                _(
                    "A linked video needs a transcript: the host's captions cannot be checked "
                    "here, and some staff cannot play sound at work."
                )
            )
        elif upload and not captions and not has_transcript:
            errors["transcript"] = ValidationError(
                _(
                    "Add captions (a .vtt file) or a transcript, so that staff who cannot hear "
                    "the video can follow it."
                )
            )
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


class CaseVignetteBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=200, label=_("Title"))
    setting = blocks.ChoiceBlock(choices=SETTINGS, label=_("Setting"))
    content_note = blocks.CharBlock(
        required=False, max_length=300, label=_("Content note"), help_text=CONTENT_NOTE_HELP
    )
    body = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, label=_("Case"))
    reflection = blocks.TextBlock(
        required=False,
        label=_("Reflection"),
        help_text=_("A question for the reader to think about."),
    )

    class Meta:
        icon = "user"
        label = _("Case vignette")
        template = "blocks/vignette_block.html"


class LessonContentBlock(blocks.StreamBlock):
    text = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES, template="blocks/text_block.html", label=_("Text")
    )
    image = ImageBlock()
    video = VideoBlock()
    vignette = CaseVignetteBlock()


class LessonBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=200, label=_("Title"))
    body = LessonContentBlock(label=_("Content"))

    class Meta:
        icon = "doc-full"
        label = _("Lesson")
        template = "blocks/lesson_block.html"


class ReferenceBlock(blocks.StructBlock):
    citation = blocks.TextBlock(label=_("Citation"))
    url = blocks.URLBlock(required=False, label=_("Web address"))

    class Meta:
        icon = "link"
        label = _("Reference")


class AnswerChoiceBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=500, label=_("Text"))
    correct = blocks.BooleanBlock(required=False, label=_("Correct"))
    feedback = blocks.TextBlock(
        label=_("Feedback"), help_text=_("Why this choice is, or is not, the best response.")
    )

    class Meta:
        icon = "radio-full"
        label = _("Choice")


KINDS = [
    ("single", _("Single answer")),
    ("multiple", _("Multiple answer")),
]
SCORING = [
    ("all_or_nothing", _("All or nothing")),
    ("partial", _("Partial credit, with a penalty for wrong picks")),
]


def _image_errors(value) -> dict:
    if value.get("image") and not (value.get("image_alt") or "").strip():
        return {
            "image_alt": ValidationError(_("Describe the image for someone who cannot see it."))
        }
    return {}


class _QuestionFields(blocks.StructBlock):
    """What every question has, whatever its type."""

    prompt = blocks.RichTextBlock(features=["bold", "italic", "ol", "ul"], label=_("Prompt"))
    image = ImageChooserBlock(required=False, label=_("Image"))
    image_alt = blocks.CharBlock(
        required=False,
        max_length=250,
        label=_("Image alt text"),
        help_text=_("Required with an image."),
    )
    rationale = blocks.TextBlock(
        label=_("Rationale"), help_text=_("Why the best answer is best, naming its source.")
    )
    references = blocks.TextBlock(
        required=False, label=_("References"), help_text=_("Sources for this question.")
    )
    skill = blocks.ChoiceBlock(choices=SKILLS, default="recognise", label=_("Skill"))


class QuestionBlock(_QuestionFields):
    kind = blocks.ChoiceBlock(choices=KINDS, default="single", label=_("Type"))
    scoring = blocks.ChoiceBlock(
        choices=SCORING,
        default="all_or_nothing",
        label=_("Scoring"),
        help_text=_(
            "For multiple-answer questions. Partial credit: the share of correct choices "
            "picked, less the share of wrong choices picked, never below zero."
        ),
    )
    choices = blocks.ListBlock(AnswerChoiceBlock(), min_num=2, label=_("Choices"))
    pin_choice_order = blocks.BooleanBlock(
        required=False,
        label=_("Pin choice order"),
        help_text=_("Keep the choices in this order (do not shuffle them)."),
    )

    class Meta:
        icon = "help"
        label = _("Question")

    def clean(self, value):
        value = super().clean(value)
        errors = _image_errors(value)
        correct = sum(1 for choice in value["choices"] if choice["correct"])
        if not correct:
            errors["choices"] = ValidationError(_("Mark at least one choice as correct."))
        elif correct > 1 and value["kind"] == "single":
            errors["choices"] = ValidationError(
                _(
                    "A single-answer question has exactly one correct choice; "
                    "make it a multiple-answer question or unmark the others."
                )
            )
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


class TrueFalseBlock(_QuestionFields):
    correct_answer = blocks.ChoiceBlock(
        choices=[("true", _("True")), ("false", _("False"))], label=_("Correct answer")
    )
    feedback_true = blocks.TextBlock(
        label=_("Feedback for True"), help_text=_("Feedback for a learner who answers True.")
    )
    feedback_false = blocks.TextBlock(
        label=_("Feedback for False"), help_text=_("Feedback for a learner who answers False.")
    )

    class Meta:
        icon = "tick"
        label = _("True or false")

    def clean(self, value):
        value = super().clean(value)
        errors = _image_errors(value)
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


class ScenarioBlock(blocks.StructBlock):
    """One vignette followed by several questions about it."""

    title = blocks.CharBlock(max_length=200, label=_("Title"))
    setting = blocks.ChoiceBlock(choices=SETTINGS, label=_("Setting"))
    content_note = blocks.CharBlock(
        required=False, max_length=300, label=_("Content note"), help_text=CONTENT_NOTE_HELP
    )
    vignette = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, label=_("Scenario"))
    questions = blocks.ListBlock(QuestionBlock(), min_num=1, label=_("Questions"))

    class Meta:
        icon = "list-ul"
        label = _("Scenario set")
