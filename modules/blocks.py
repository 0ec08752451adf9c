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


class QuestionBlock(blocks.StructBlock):
    prompt = blocks.RichTextBlock(features=["bold", "italic", "ol", "ul"])
    choices = blocks.ListBlock(AnswerChoiceBlock(), min_num=2)
    rationale = blocks.TextBlock(help_text="Why the best answer is best, naming its source.")
    skill = blocks.ChoiceBlock(choices=SKILLS, default="recognise")

    class Meta:
        icon = "help"

    def clean(self, value):
        value = super().clean(value)
        if not any(choice["correct"] for choice in value["choices"]):
            raise StructBlockValidationError(
                block_errors={"choices": ValidationError("Mark at least one choice as correct.")}
            )
        return value
