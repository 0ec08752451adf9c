"""StreamField blocks for lessons and quizzes.

Lessons mix rich text, images (alt text required), video with a transcript and case
vignettes. A quiz is a list of questions; each choice carries its own feedback, and the
question a rationale and the skill it tests.
"""

from django.core.exceptions import ValidationError
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_TEXT_FEATURES = ["h3", "h4", "bold", "italic", "ol", "ul", "link"]

SETTINGS = [
    ("NICU", "NICU"),
    ("PICU", "PICU"),
    ("Cardiac ICU", "Cardiac ICU"),
    ("Ward", "Ward"),
    ("Procedure room", "Procedure room"),
    ("Clinic", "Clinic"),
    ("Rehab", "Rehab"),
    ("Emergency department", "Emergency department"),
]

SKILLS = [
    ("recognise", "Recognise"),
    ("interpret", "Interpret"),
    ("respond", "Respond"),
    ("refer", "Refer"),
]


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(
        max_length=250,
        help_text="Describe the image for someone who cannot see it.",
    )
    caption = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "image"
        template = "blocks/image_block.html"


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(help_text="Link to the video on an approved host.")
    title = blocks.CharBlock(max_length=200)
    transcript = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES,
        help_text="Required: a full transcript, for staff who cannot play sound at work.",
    )

    class Meta:
        icon = "media"
        template = "blocks/video_block.html"


class CaseVignetteBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=200)
    setting = blocks.ChoiceBlock(choices=SETTINGS)
    body = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)
    reflection = blocks.TextBlock(
        required=False, help_text="A question for the reader to think about."
    )

    class Meta:
        icon = "user"
        template = "blocks/vignette_block.html"


class LessonContentBlock(blocks.StreamBlock):
    text = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, template="blocks/text_block.html")
    image = ImageBlock()
    video = VideoBlock()
    vignette = CaseVignetteBlock()


class LessonBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=200)
    body = LessonContentBlock()

    class Meta:
        icon = "doc-full"
        template = "blocks/lesson_block.html"


class ReferenceBlock(blocks.StructBlock):
    citation = blocks.TextBlock()
    url = blocks.URLBlock(required=False)

    class Meta:
        icon = "link"


class AnswerChoiceBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=500)
    correct = blocks.BooleanBlock(required=False)
    feedback = blocks.TextBlock(help_text="Why this choice is, or is not, the best response.")

    class Meta:
        icon = "radio-full"


KINDS = [
    ("single", "Single answer"),
    ("multiple", "Multiple answer"),
]
SCORING = [
    ("all_or_nothing", "All or nothing"),
    ("partial", "Partial credit, with a penalty for wrong picks"),
]


def _image_errors(value) -> dict:
    if value.get("image") and not (value.get("image_alt") or "").strip():
        return {"image_alt": ValidationError("Describe the image for someone who cannot see it.")}
    return {}


class _QuestionFields(blocks.StructBlock):
    """What every question has, whatever its type."""

    prompt = blocks.RichTextBlock(features=["bold", "italic", "ol", "ul"])
    image = ImageChooserBlock(required=False)
    image_alt = blocks.CharBlock(
        required=False, max_length=250, label="Image alt text", help_text="Required with an image."
    )
    rationale = blocks.TextBlock(help_text="Why the best answer is best, naming its source.")
    references = blocks.TextBlock(required=False, help_text="Sources for this question.")
    skill = blocks.ChoiceBlock(choices=SKILLS, default="recognise")


class QuestionBlock(_QuestionFields):
    kind = blocks.ChoiceBlock(choices=KINDS, default="single", label="Type")
    scoring = blocks.ChoiceBlock(
        choices=SCORING,
        default="all_or_nothing",
        help_text="For multiple-answer questions. Partial credit: the share of correct choices "
        "picked, less the share of wrong choices picked, never below zero.",
    )
    choices = blocks.ListBlock(AnswerChoiceBlock(), min_num=2)
    pin_choice_order = blocks.BooleanBlock(
        required=False, help_text="Keep the choices in this order (do not shuffle them)."
    )

    class Meta:
        icon = "help"

    def clean(self, value):
        value = super().clean(value)
        errors = _image_errors(value)
        correct = sum(1 for choice in value["choices"] if choice["correct"])
        if not correct:
            errors["choices"] = ValidationError("Mark at least one choice as correct.")
        elif correct > 1 and value["kind"] == "single":
            errors["choices"] = ValidationError(
                "A single-answer question has exactly one correct choice; "
                "make it a multiple-answer question or unmark the others."
            )
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


class TrueFalseBlock(_QuestionFields):
    correct_answer = blocks.ChoiceBlock(choices=[("true", "True"), ("false", "False")])
    feedback_true = blocks.TextBlock(help_text="Feedback for a learner who answers True.")
    feedback_false = blocks.TextBlock(help_text="Feedback for a learner who answers False.")

    class Meta:
        icon = "tick"
        label = "True or false"

    def clean(self, value):
        value = super().clean(value)
        errors = _image_errors(value)
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


class ScenarioBlock(blocks.StructBlock):
    """One vignette followed by several questions about it."""

    title = blocks.CharBlock(max_length=200)
    setting = blocks.ChoiceBlock(choices=SETTINGS)
    vignette = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)
    questions = blocks.ListBlock(QuestionBlock(), min_num=1)

    class Meta:
        icon = "list-ul"
        label = "Scenario set"
