"""Domain changes are audited with django-simple-history, with the acting user."""

import re

import pytest

from certificates.models import Certificate
from training.models import Attempt, Completion, StaffProfile

from ..conftest import correct_answers

pytestmark = pytest.mark.django_db


def test_attempt_completion_and_certificate_record_the_learner(people, module, login):
    client = login(people.staff)
    location = client.post(f"/learn/modules/{module.pk}/start/")["Location"]
    attempt = Attempt.objects.get(pk=int(re.search(r"(\d+)/$", location)[1]))
    client.post(location, correct_answers(attempt.questions))
    assert {h.history_user for h in attempt.history.all()} == {people.staff}
    assert Completion.history.get().history_user == people.staff
    assert Certificate.history.get().history_user == people.staff


def test_admin_edit_of_a_staff_profile_records_the_admin(people, login):
    profile = StaffProfile.objects.get(user=people.staff)
    response = login(people.admin).post(
        f"/admin/snippets/training/staffprofile/edit/{profile.pk}/",
        {
            "user": people.staff.pk,
            "employee_id": profile.employee_id,
            "role": profile.role_id,
            "unit": people.picu.pk,
            "start_date": profile.start_date.isoformat(),
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    latest = profile.history.latest()
    assert latest.unit_id == people.picu.pk
    assert latest.history_user == people.admin
    assert latest.history_type == "~"
