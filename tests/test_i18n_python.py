"""The interface text built in Python really goes through gettext.

A stand-in Spanish catalogue wraps every message it is asked for in ⟪…⟫. A page requested in
Spanish then shows the wrapped text wherever a string was marked, and the bare English
wherever one was missed: service refusals (ValidationError), model validation, plural
messages (ngettext), field labels, help text and choice labels (gettext_lazy).
"""

from __future__ import annotations

import datetime
import gettext as gettext_module
import re

import pytest
from django.utils import translation
from django.utils.translation import trans_real

from training.models import Assignment

pytestmark = pytest.mark.django_db

LANGUAGE = "es"


class WrappingCatalogue(gettext_module.NullTranslations):
    """Every message comes back as ⟪message⟫ (plurals: the form the count chooses)."""

    def gettext(self, message):
        return f"⟪{message}⟫"

    def ngettext(self, singular, plural, n):
        return f"⟪{singular if n == 1 else plural}⟫"

    def to_language(self):
        return LANGUAGE


@pytest.fixture
def spanish(settings):
    """Offer Spanish (LocaleMiddleware picks it from Accept-Language) with the wrapping
    catalogue in place of the real one; a client whose requests ask for it."""
    settings.LANGUAGES = [("en-us", "English"), (LANGUAGE, "Español")]  # clears the caches
    trans_real._translations[LANGUAGE] = WrappingCatalogue()
    yield {"HTTP_ACCEPT_LANGUAGE": LANGUAGE}
    translation.deactivate()
    trans_real._translations.pop(LANGUAGE, None)


def test_a_service_refusal_is_translated(people, login, spanish):
    assignment = Assignment.objects.get(user=people.staff, current=True)
    client = login(people.manager)
    url = f"/reports/assignments/{assignment.pk}/"
    too_early = {"action": "extend", "extend-until": "2000-01-01", "extend-reason": "Leave"}
    html = client.post(url, too_early, **spanish).content.decode()
    # The placeholder is filled after translation: the date sits inside the translated text.
    assert re.search(r"⟪The new due date must be after the current one \([^)]+\)\.⟫", html)

    too_late = {**too_early, "extend-until": "2099-01-01"}
    html = client.post(url, too_late, **spanish).content.decode()
    assert "⟪An extension can be at most a year past the scheduled due date.⟫" in html
    assignment.refresh_from_db()
    assert assignment.extended_to is None


def test_plural_schedule_text_is_translated(people, login, spanish):
    html = login(people.staff).get("/learn/", **spanish).content.decode()
    assert "⟪within 30 days of starting⟫" in html  # ngettext, plural form


def test_model_labels_choices_and_validation_are_translated(people, login, spanish):
    requirement = people.requirement
    client = login(people.admin)
    url = f"/admin/snippets/training/requirement/edit/{requirement.pk}/"
    html = client.get(url, **spanish).content.decode()
    assert "⟪days to complete⟫" in html  # verbose_name
    assert "⟪Days a person has for the first completion.⟫" in html  # help_text
    assert "⟪Every N months after the last completion⟫" in html  # choice label
    assert "⟪Days after the person&#x27;s start date⟫" in html  # choice label, escaped

    data = {
        "name": requirement.name,
        "module": requirement.module_id,
        "module_set": "",
        "roles": [r.pk for r in requirement.roles.all()],
        "units": [u.pk for u in requirement.units.all()],
        "frequency": "annual",
        "due_basis": requirement.due_basis,
        "due_days": requirement.due_days,
        "interval_months": "",
        "annual_month": "2",
        "annual_day": "30",
        "grace_days": requirement.grace_days,
        "effective_from": requirement.effective_from.isoformat(),
        "active": "on",
    }
    html = client.post(url, data, **spanish).content.decode()
    assert "⟪%(month)s has no day %(day)s.⟫" not in html  # placeholders were filled
    assert re.search(r"⟪⟪February⟫ has no day 30\.⟫", html)  # Django's own month name too
    requirement.refresh_from_db()
    assert requirement.frequency == "once"


def test_english_is_unchanged_without_the_catalogue(people, login):
    assignment = Assignment.objects.get(user=people.staff, current=True)
    until = (assignment.due_on - datetime.timedelta(days=1)).isoformat()
    html = (
        login(people.manager)
        .post(
            f"/reports/assignments/{assignment.pk}/",
            {"action": "extend", "extend-until": until, "extend-reason": "Leave"},
        )
        .content.decode()
    )
    assert "The new due date must be after the current one (" in html
    assert "⟪" not in html
