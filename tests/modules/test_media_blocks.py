"""Media in lessons through the Wagtail editor: videos need captions or a transcript, every
image learners see needs alt text, and distressing cases can carry a content note."""

import io
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.documents.models import Document
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed
from wagtail.images.models import Image
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from modules.blocks import RICH_TEXT_FEATURES
from modules.models import TrainingModulePage

from .test_editor import GOOD, QUIZ_SETTINGS, add_url

pytestmark = pytest.mark.django_db

VIDEO_URL = "https://video.example.org/watch/serve-and-return"


@pytest.fixture
def embed(db):
    """A cached embed, so the editor's check of the link needs no network."""
    return Embed.objects.create(
        url=VIDEO_URL,
        max_width=None,
        hash=get_embed_hash(VIDEO_URL),
        type="video",
        html='<iframe title="Serve and return" src="https://video.example.org/e/1"></iframe>',
        title="Serve and return",
    )


def document(name: str, content: bytes = b"data") -> Document:
    return Document.objects.create(title=name, file=ContentFile(content, name=name))


def image() -> Image:
    buffer = io.BytesIO()
    PILImage.new("RGB", (20, 20), "#1d5c63").save(buffer, format="PNG")
    return Image.objects.create(title="A photo", file=ImageFile(buffer, name="p.png"))


def post_lesson(client, site, slug, blocks, quiz=None, action="submit", url=None):
    """Post a module whose one lesson holds `blocks` ([(type, value)]) as the editor does,
    pressing `action` ("submit" for moderation, "publish", or None: save a draft, where
    Wagtail defers "required" checks until the page is submitted or published)."""
    data = nested_form_data(
        {
            "title": slug.replace("-", " ").capitalize(),
            "slug": slug,
            "summary": "Written in the editor.",
            "estimated_minutes": "10",
            "ce_hours": "0",
            "pass_mark": "80",
            "learning_objectives": streamfield([]),
            "content_note": rich_text(""),
            "lessons": streamfield(
                [("lesson", {"title": "Seeing cues", "body": streamfield(blocks)})]
            ),
            "references": streamfield([]),
            "quiz": streamfield(quiz or [("question", q) for q in GOOD]),
            **QUIZ_SETTINGS,
        }
    )
    if action:
        data[f"action-{action}"] = f"action-{action}"
    return client.post(url or add_url(site), data)


def video(**fields):
    value = {
        "video": "",
        "video_file": "",
        "captions": "",
        "captions_language": "en",
        "title": "Serve and return at the bedside",
        "transcript": rich_text(""),
    }
    value.update(fields)
    return ("video", value)


def saved(slug) -> TrainingModulePage:
    return TrainingModulePage.objects.get(slug=slug).get_latest_revision_as_object()


def lesson_html(page) -> str:
    """The lesson as a learner's page renders it."""
    return page.lessons[0].render()


def test_a_linked_video_needs_a_transcript(people, site, login, embed):
    client = login(people.educator)
    response = post_lesson(client, site, "linked", [video(video=VIDEO_URL)])
    assert response.status_code == 200
    assert "A linked video needs a transcript" in response.content.decode()
    assert not TrainingModulePage.objects.filter(slug="linked").exists()

    transcript = rich_text("<p>Nurse: I can see he is looking at you.</p>")
    response = post_lesson(client, site, "linked", [video(video=VIDEO_URL, transcript=transcript)])
    assert response.status_code == 302
    html = lesson_html(saved("linked"))
    assert 'title="Serve and return"' in html  # the host's player
    assert "<details" in html and "I can see he is looking at you." in html
    assert "<summary" in html and "Transcript: Serve and return at the bedside" in html


def test_an_uploaded_video_with_webvtt_captions_plays_with_a_caption_track(people, site, login):
    clip = document("clip.mp4")
    captions = document("clip.vtt", b"WEBVTT\n\n00:00.000 --> 00:02.000\nHello, little one.\n")
    response = post_lesson(
        login(people.educator),
        site,
        "uploaded",
        [video(video_file=str(clip.pk), captions=str(captions.pk), captions_language="es")],
    )
    assert response.status_code == 302, response.content.decode()[:500]
    html = lesson_html(saved("uploaded"))
    assert "<video" in html and " controls" in html
    assert f'src="{clip.url}"' in html
    assert f'<track kind="captions" src="{captions.url}" srclang="es"' in html
    assert " default>" in html
    assert "<details" not in html  # no transcript given: none offered


def test_an_uploaded_video_needs_captions_or_a_transcript(people, site, login):
    clip = document("clip.webm")
    client = login(people.educator)
    response = post_lesson(client, site, "silent", [video(video_file=str(clip.pk))])
    assert response.status_code == 200
    assert "Add captions (a .vtt file) or a transcript" in response.content.decode()
    assert not TrainingModulePage.objects.filter(slug="silent").exists()

    transcript = rich_text("<p>Every word that is said.</p>")
    response = post_lesson(
        client, site, "silent", [video(video_file=str(clip.pk), transcript=transcript)]
    )
    assert response.status_code == 302
    html = lesson_html(saved("silent"))
    assert "<video" in html and "<track" not in html and "Every word that is said." in html


@pytest.mark.parametrize(
    "fields, message",
    [
        ({}, "Add a link to the video or choose a video file."),
        ({"video_file": "clip.mp4", "captions": "clip.srt"}, "Captions must be a WebVTT file"),
        ({"video_file": "notes.pdf", "captions": "clip.vtt"}, "The video file must be an MP4"),
        ({"video": VIDEO_URL, "captions": "clip.vtt"}, "Captions files go with an uploaded video"),
        ({"video": VIDEO_URL, "video_file": "clip.mp4"}, "a video link or a video file, not both"),
    ],
)
def test_video_mistakes_get_a_clear_editor_error(people, site, login, embed, fields, message):
    value = {
        key: (str(document(name).pk) if key != "video" else name) for key, name in fields.items()
    }
    value.setdefault("transcript", rich_text("<p>A transcript.</p>"))
    response = post_lesson(login(people.educator), site, "bad-video", [video(**value)])
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TrainingModulePage.objects.filter(slug="bad-video").exists()


@pytest.mark.parametrize("who, action", [("educator", "submit"), ("admin", "publish")])
def test_a_lesson_image_needs_alt_text(people, site, login, who, action):
    photo = image()
    client = login(getattr(people, who))
    for alt in ["", "   "]:
        block = ("image", {"image": str(photo.pk), "alt_text": alt, "caption": ""})
        response = post_lesson(client, site, "pictured", [block], action=action)
        assert response.status_code == 200
        assert "This field is required." in response.content.decode()
        assert not TrainingModulePage.objects.filter(slug="pictured").exists()
    alt = "A mother holds her baby skin to skin."
    block = ("image", {"image": str(photo.pk), "alt_text": alt, "caption": ""})
    assert post_lesson(client, site, "pictured", [block], action=action).status_code == 302
    assert f'alt="{alt}"' in lesson_html(saved("pictured"))


def test_a_draft_may_wait_for_alt_text_but_cannot_be_submitted_without_it(people, site, login):
    """Wagtail lets a draft be saved with required fields still empty; learners never see
    a draft, and submitting it for review (or publishing) is refused until the alt text is
    written."""
    photo = image()
    client = login(people.educator)
    block = ("image", {"image": str(photo.pk), "alt_text": "", "caption": ""})
    assert post_lesson(client, site, "later", [block], action=None).status_code == 302
    page = TrainingModulePage.objects.get(slug="later")
    assert not page.live and not page.workflow_in_progress
    edit = f"/admin/pages/{page.pk}/edit/"
    response = post_lesson(client, site, "later", [block], action="submit", url=edit)
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    page.refresh_from_db()
    assert not page.workflow_in_progress and not page.live


def test_a_question_image_needs_alt_text_in_a_scenario_set_too(people, site, login):
    photo = image()
    question = dict(GOOD[0], image=str(photo.pk), image_alt="")
    scenario = {
        "title": "A long night",
        "setting": "NICU",
        "content_note": "",
        "vignette": rich_text("<p>The baby has been unsettled all night.</p>"),
        "questions": {
            "0": {"value": question, "deleted": "", "order": "0", "id": ""},
            "count": "1",
        },
    }
    client = login(people.educator)
    text = ("text", rich_text("<p>Lesson text.</p>"))
    response = post_lesson(client, site, "scenario-image", [text], quiz=[("scenario", scenario)])
    assert response.status_code == 200
    assert "Describe the image for someone who cannot see it." in response.content.decode()
    assert not TrainingModulePage.objects.filter(slug="scenario-image").exists()


def test_rich_text_cannot_carry_an_image_without_alt_text(people, site, login):
    """Lesson text does not offer images at all: images go through the image block, whose
    alt text is required. An image slipped into the posted text is dropped."""
    assert "image" not in RICH_TEXT_FEATURES and "embed" not in RICH_TEXT_FEATURES
    photo = image()
    contentstate = {
        "blocks": [
            {
                "key": "a1",
                "type": "unstyled",
                "depth": 0,
                "text": "Look at this.",
                "inlineStyleRanges": [],
                "entityRanges": [],
            },
            {
                "key": "b2",
                "type": "atomic",
                "depth": 0,
                "text": " ",
                "inlineStyleRanges": [],
                "entityRanges": [{"offset": 0, "length": 1, "key": 0}],
            },
        ],
        "entityMap": {
            "0": {
                "type": "IMAGE",
                "mutability": "IMMUTABLE",
                "data": {"id": photo.pk, "alt": "", "format": "fullwidth", "src": "/x.png"},
            }
        },
    }
    response = post_lesson(
        login(people.educator), site, "rich-image", [("text", json.dumps(contentstate))]
    )
    assert response.status_code == 302
    text = saved("rich-image").lessons[0].value["body"][0].value.source
    assert "Look at this." in text
    assert "<embed" not in text and "image" not in text


def test_a_case_vignette_can_carry_a_content_note(people, site, login):
    vignette = (
        "vignette",
        {
            "title": "After the collapse",
            "setting": "PICU",
            "content_note": "A baby stops breathing.",
            "body": rich_text("<p>The alarm sounds at 3 a.m.</p>"),
            "reflection": "",
        },
    )
    assert post_lesson(login(people.educator), site, "noted", [vignette]).status_code == 302
    html = lesson_html(saved("noted"))
    assert html.index("A baby stops breathing.") < html.index("<details")
    assert html.index("Read the case") < html.index("The alarm sounds at 3 a.m.")


def test_a_vignette_without_a_note_is_shown_open(people, site, login):
    vignette = (
        "vignette",
        {
            "title": "A quiet moment",
            "setting": "NICU",
            "content_note": "",
            "body": rich_text("<p>Lena watches her son's face brighten.</p>"),
            "reflection": "",
        },
    )
    assert post_lesson(login(people.educator), site, "open-case", [vignette]).status_code == 302
    html = lesson_html(saved("open-case"))
    assert "<details" not in html and "Content note" not in html
    assert "Lena watches" in html


def test_a_scenario_content_note_reaches_the_quiz_data(people, site, login):
    scenario = {
        "title": "A long night",
        "setting": "NICU",
        "content_note": "A baby in severe pain.",
        "vignette": rich_text("<p>The baby has been unsettled all night.</p>"),
        "questions": {
            "0": {"value": GOOD[0], "deleted": "", "order": "0", "id": ""},
            "count": "1",
        },
    }
    text = ("text", rich_text("<p>Lesson text.</p>"))
    response = post_lesson(
        login(people.educator), site, "scenario-note", [text], quiz=[("scenario", scenario)]
    )
    assert response.status_code == 302
    pool = saved("scenario-note").quiz_pool()
    assert pool[0]["scenario"]["content_note"] == "A baby in severe pain."


@pytest.mark.parametrize("name", ["lesson.mp4", "captions.vtt"])
def test_educators_can_upload_videos_and_captions_to_the_document_library(
    people, site, login, name
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(people.educator)
    upload = SimpleUploadedFile(name, b"WEBVTT\n\n" if name.endswith(".vtt") else b"\x00" * 64)
    response = client.post(
        "/admin/documents/multiple/add/",
        {"files[]": upload},
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    assert response.status_code == 200
    assert response.json()["success"] is True, response.json()
    assert Document.objects.filter(file__endswith=name.rsplit(".", 1)[1]).exists()
