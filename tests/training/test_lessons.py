"""Lesson by lesson: the module page is the overview, each lesson has its own page, and the
learner's place is kept on the server (resume on any device)."""

import copy
import datetime

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from cms.models import OrganisationSettings
from training import services
from training.models import LessonProgress, StaffProfile

from ..conftest import SAMPLE_SPEC, publish_module, require

pytestmark = pytest.mark.django_db

LESSON_TEXT = "<p>" + "Babies signal readiness to interact. " * 8 + "</p>"


def spec_with(n: int, slug: str = "lessons-module", minutes: int = 15) -> dict:
    """A module of `n` lessons of equal length."""
    spec = copy.deepcopy(SAMPLE_SPEC)
    spec.update(slug=slug, title=f"Module {slug}", estimated_minutes=minutes)
    spec["lessons"] = [
        {"title": f"Lesson title {i}", "blocks": [{"type": "text", "value": LESSON_TEXT}]}
        for i in range(1, n + 1)
    ]
    return spec


def lesson_url(module, number) -> str:
    return f"/learn/modules/{module.pk}/lessons/{number}/"


@pytest.fixture
def four(site, people):
    """A published module of four equal lessons, required for the nurse."""
    module = publish_module(site.catalogue, spec_with(4, minutes=15))
    require(
        module,
        roles=[people.nurse_role],
        due_days=30,
        effective_from=timezone.localdate() - datetime.timedelta(days=365),
    )
    return module


def test_module_page_is_an_overview_with_the_lessons_listed(people, four, login):
    html = login(people.staff).get(four.url).content.decode()
    assert html.count("<h1") == 1
    for i in range(1, 5):
        assert f"Lesson title {i}" in html
        assert f'href="{lesson_url(four, i)}"' in html
    assert "Start the lessons" in html
    assert "Babies signal readiness" not in html  # lessons are on their own pages now
    assert "Not started" in html
    assert "Content note" in html and 'id="quiz"' in html


def test_a_lesson_page_shows_where_the_learner_is_and_the_time_left(people, four, login):
    client = login(people.staff)
    html = client.get(lesson_url(four, 2)).content.decode()
    assert "Lesson 2 of 4" in html
    assert "usa-step-indicator" in html
    assert 'usa-step-indicator__segment usa-step-indicator__segment--current" aria-current' in (
        html
    )
    assert html.count("usa-step-indicator__segment--complete") == 1  # lesson 1, passed on the way
    # 15 minutes over four equal lessons and the quiz (one lesson's worth): 3 minutes each;
    # from the start of lesson 2: lessons 2, 3, 4 and the quiz.
    assert "about 12 minutes left, with the quiz" in html
    assert f'href="{lesson_url(four, 1)}" rel="prev"' in html
    assert f'href="{lesson_url(four, 3)}" rel="next"' in html
    assert "Babies signal readiness" in html
    assert "Go to the quiz" not in html


def test_the_last_lesson_leads_to_the_quiz(people, four, login):
    html = login(people.staff).get(lesson_url(four, 4)).content.decode()
    assert "Lesson 4 of 4" in html and "about 6 minutes left, with the quiz" in html
    assert f'href="{four.url}#quiz"' in html and "Go to the quiz" in html
    assert 'rel="next"' not in html


def test_the_first_lesson_leads_back_to_the_overview(people, four, login):
    html = login(people.staff).get(lesson_url(four, 1)).content.decode()
    assert "about 15 minutes left, with the quiz" in html
    assert 'rel="prev"' not in html and "Module overview" in html


def test_opening_a_lesson_records_the_place_once(people, four, login):
    client = login(people.staff)
    client.get(lesson_url(four, 1))
    client.get(lesson_url(four, 3))
    client.get(lesson_url(four, 3))  # a reload: nothing new
    progress = LessonProgress.objects.get(user=people.staff, module=four)
    assert (progress.current, progress.furthest) == (3, 3)
    assert progress.revision_id == four.live_revision_id
    assert progress.history.count() == 2
    assert {h.history_user for h in progress.history.all()} == {people.staff}
    client.get(lesson_url(four, 2))  # going back keeps the furthest lesson reached
    progress.refresh_from_db()
    assert (progress.current, progress.furthest) == (2, 3)
    assert progress.history.count() == 3


def test_resume_works_in_another_browser(people, four, login):
    login(people.staff).get(lesson_url(four, 3))
    other = Client()  # another device: a new session for the same person
    other.force_login(people.staff)
    html = other.get(four.url).content.decode()
    assert "Resume lesson 3: Lesson title 3" in html
    assert "Start the lessons" not in html
    assert html.count("status-completed") == 2  # lessons 1 and 2 read
    assert "You are here" in html
    dashboard = other.get("/learn/").content.decode()
    assert f'href="{lesson_url(four, 3)}"' in dashboard and "Resume lesson 3" in dashboard


def test_dashboard_prefers_an_open_quiz_to_the_lessons(people, four, login):
    client = login(people.staff)
    client.get(lesson_url(four, 2))
    client.post(f"/learn/modules/{four.pk}/start/")
    dashboard = client.get("/learn/").content.decode()
    assert "Resume your quiz" in dashboard and "Resume lesson" not in dashboard


def test_fewer_lessons_after_an_edit_resume_at_the_last_one(people, four, login):
    client = login(people.staff)
    client.get(lesson_url(four, 4))
    page = four.get_latest_revision_as_object()
    page.lessons = page.lessons.raw_data[:2]
    page.save_revision().publish()
    html = client.get(four.url).content.decode()
    assert "Resume lesson 2: Lesson title 2" in html
    assert client.get(lesson_url(four, 3)).status_code == 404
    client.get(lesson_url(four, 1))
    progress = LessonProgress.objects.get(user=people.staff, module=four)
    assert (progress.current, progress.furthest) == (1, 2)
    four.refresh_from_db()
    assert progress.revision_id == four.live_revision_id


def test_the_service_refuses_a_lesson_the_module_does_not_have(people, four):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="no lesson 5"):
        services.lesson_progress_record(user=people.staff, module=four, number=5)
    assert not LessonProgress.objects.exists()


@pytest.mark.parametrize("number", [0, 5, 99])
def test_a_lesson_number_out_of_range_is_not_found(people, four, login, number):
    assert login(people.staff).get(lesson_url(four, number)).status_code == 404
    assert not LessonProgress.objects.exists()


def test_an_unpublished_module_is_not_found(people, four, login):
    four.unpublish()
    assert login(people.staff).get(lesson_url(four, 1)).status_code == 404


@pytest.mark.parametrize(
    "who, code",
    [
        ("staff", 200),
        ("other_staff", 200),
        ("manager", 403),
        ("other_manager", 403),
        ("lead", 403),
        ("educator", 403),
        ("admin", 403),
    ],
)
def test_only_staff_members_open_lessons(people, four, login, who, code):
    assert login(getattr(people, who)).get(lesson_url(four, 1)).status_code == code


def test_anonymous_visitors_are_asked_to_log_in(four, client):
    response = client.get(lesson_url(four, 1))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_deactivated_staff_member_cannot_open_lessons(people, four, login):
    StaffProfile.objects.filter(user=people.staff).update(active=False)
    assert login(people.staff).get(lesson_url(four, 1)).status_code == 403


def test_lessons_only_answer_get(people, four, login):
    assert login(people.staff).post(lesson_url(four, 1)).status_code == 405


def test_visitors_without_a_staff_profile_read_every_lesson_on_the_module_page(people, four, login):
    html = login(people.educator).get(four.url).content.decode()
    assert html.count("Babies signal readiness") == 4 * 8  # every lesson, in full
    assert 'href="#lesson-3"' in html and 'id="lesson-3"' in html
    assert "Start the lessons" not in html and "/lessons/" not in html


def test_a_vignette_with_a_content_note_opens_on_request(people, site, login):
    spec = spec_with(1, slug="heavy")
    spec["lessons"][0]["blocks"].append(
        {
            "type": "vignette",
            "value": {
                "title": "A hard night",
                "setting": "PICU",
                "content_note": "A baby's sudden collapse.",
                "body": "<p>The monitor alarms.</p>",
            },
        }
    )
    module = publish_module(site.catalogue, spec)
    settings = OrganisationSettings.for_site(site.home.get_site())
    settings.staff_support_url = "https://wellbeing.example.org/"
    settings.staff_support_label = "Staff wellbeing line"
    settings.save()
    html = login(people.staff).get(lesson_url(module, 1)).content.decode()
    note = html.index(escape("A baby's sudden collapse."))
    disclosure = html.index("<summary")
    assert note < disclosure < html.index("The monitor alarms.")
    assert "Read the case" in html[disclosure : html.index("The monitor alarms.")]
    support = html.index('href="https://wellbeing.example.org/"', note)
    assert support < disclosure and "Staff wellbeing line" in html


def _count(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm per-process caches (site root paths, content types)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _progress(user, module, number):
    for n in range(1, number + 1):
        services.lesson_progress_record(user=user, module=module, number=n)


def test_lesson_page_queries_do_not_grow_with_lessons_or_progress(people, site, login):
    client = login(people.staff)
    small = publish_module(site.catalogue, spec_with(2, slug="two-lessons"))
    small_count = _count(client, lesson_url(small, 2))

    large = publish_module(site.catalogue, spec_with(8, slug="eight-lessons"))
    for i in range(5):  # much more progress, on other modules too
        other = publish_module(site.catalogue, spec_with(3, slug=f"other-{i}"))
        _progress(people.staff, other, 3)
    _progress(people.staff, large, 7)
    large_count = _count(client, lesson_url(large, 8))
    assert small_count == large_count, (small_count, large_count)
    assert large_count <= 25


def test_module_page_queries_do_not_grow_with_lessons_or_progress(people, site, login):
    client = login(people.staff)
    small = publish_module(site.catalogue, spec_with(2, slug="two-lessons"))
    _progress(people.staff, small, 1)
    small_count = _count(client, small.url)
    large = publish_module(site.catalogue, spec_with(8, slug="eight-lessons"))
    _progress(people.staff, large, 7)
    large_count = _count(client, large.url)
    assert small_count == large_count, (small_count, large_count)


def test_dashboard_queries_do_not_grow_with_lessons_in_progress(people, site, login):
    client = login(people.staff)
    first = publish_module(site.catalogue, spec_with(2, slug="first"))
    require(first, roles=[people.nurse_role], due_days=30)
    _progress(people.staff, first, 1)
    small_count = _count(client, "/learn/")
    assert client.get("/learn/").content.decode().count("Resume lesson") == 1
    for i in range(4):
        module = publish_module(site.catalogue, spec_with(8, slug=f"more-{i}"))
        require(module, roles=[people.nurse_role], due_days=30)
        _progress(people.staff, module, i + 2)
    large_count = _count(client, "/learn/")
    html = client.get("/learn/").content.decode()
    assert html.count("Resume lesson") == 5
    assert "Resume lesson 5" in html
    assert small_count == large_count, (small_count, large_count)


def test_the_editor_preview_shows_every_lesson_even_to_an_educator_with_a_staff_profile(
    people, four, login
):
    from django.urls import reverse

    from ..modules.test_editor import GOOD, module_post

    people.staff.groups.add(*people.educator.groups.all())  # a nurse educator
    client = login(people.staff)
    preview_url = reverse("wagtailadmin_pages:preview_on_edit", args=[four.pk])
    data = module_post(four.title, GOOD, action=None)
    data["slug"] = four.slug
    assert client.post(preview_url, data).json()["is_valid"]
    html = client.get(preview_url).content.decode()
    assert "Lesson text." in html and 'href="#lesson-1"' in html  # in full, on one page
    assert "Start the lessons" not in html and "/lessons/" not in html
    assert not LessonProgress.objects.exists()
