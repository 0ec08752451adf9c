"""The suite's own machinery: the shared state every test starts from, the snapshot that
committed tests are put back from, and the blank database of `blank_db`."""

import pytest
from django.contrib.auth.models import User
from wagtail.models import Page, Site

from cms.models import HomePage
from modules.models import TrainingModulePage
from training.models import Assignment, StaffProfile

from .conftest import USERNAMES, restore_shared_state
from .factories import UserFactory


@pytest.mark.django_db
def test_every_test_starts_from_the_shared_state(people, module, site):
    assert set(User.objects.values_list("username", flat=True)) == set(USERNAMES.values())
    assert StaffProfile.objects.count() == 3
    assert list(TrainingModulePage.objects.live()) == [module]
    assert Site.objects.get(is_default_site=True).root_page_id == site.home.pk
    # The nurses (NICU and PICU) are assigned the sample module; the physician is not.
    assert set(Assignment.objects.values_list("user__username", flat=True)) == {
        "nurse",
        "picunurse",
    }
    assert people.requirement.module_id == module.pk


def test_restoring_the_snapshot_undoes_committed_writes(committed_db, people):
    User.objects.filter(pk=people.staff.pk).update(first_name="Changed")
    UserFactory(username="stray")
    Assignment.objects.filter(user=people.other_staff).delete()

    restore_shared_state()

    assert User.objects.get(pk=people.staff.pk).first_name == "Amara"
    assert not User.objects.filter(username="stray").exists()
    assert Assignment.objects.filter(user=people.other_staff).exists()


def test_a_blank_database_is_what_the_migrations_leave(blank_db):
    assert not User.objects.exists()
    assert not HomePage.objects.exists()
    assert Page.objects.filter(depth=1).count() == 1  # Wagtail's root page
    assert Site.objects.get(is_default_site=True).root_page.specific_class is Page
