"""Management commands: setup_site and seed_demo."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from wagtail.images.models import Image
from wagtail.models import Page, Site

from certificates.models import Certificate
from cms.models import HomePage
from modules.models import ModuleIndexPage, TrainingModulePage
from training.models import Attempt, Completion, StaffProfile, Unit

# Each command starts from the database as the migrations leave it.
pytestmark = pytest.mark.usefixtures("blank_db")


def counts():
    return {
        "pages": Page.objects.count(),
        "users": User.objects.count(),
        "profiles": StaffProfile.objects.count(),
        "attempts": Attempt.objects.count(),
        "completions": Completion.objects.count(),
        "certificates": Certificate.objects.count(),
        "groups": Group.objects.count(),
        "images": Image.objects.count(),
    }


def test_setup_site_builds_the_tree_once(client):
    call_command("setup_site")
    call_command("setup_site")
    assert HomePage.objects.count() == 1 and ModuleIndexPage.objects.count() == 1
    assert Site.objects.get(is_default_site=True).root_page.specific_class is HomePage
    assert client.get("/").status_code == 200
    assert {"Educators", "Education leads"} <= set(Group.objects.values_list("name", flat=True))


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_builds_a_demo_and_is_idempotent(settings, client):
    settings.DEBUG = False
    call_command("seed_demo", "--force")
    first = counts()
    call_command("seed_demo", "--force")
    assert counts() == first
    assert first["profiles"] == 30
    assert first["completions"] >= 10 and first["certificates"] == first["completions"]
    # The demo certificates carry a logo and a signature, drawn by the command.
    assert first["images"] == 2
    certificate = Certificate.objects.first()
    assert certificate.logo_file and certificate.signature_file
    assert TrainingModulePage.objects.live().count() == 4  # the starter curriculum
    for page in TrainingModulePage.objects.all():
        assert page.requirements.get().roles.count() == 6
    for username in ["nurse", "physician", "educator", "manager", "admin", "lead"]:
        assert client.login(username=username, password="attune-demo"), username
    # The demo nurse has a module to do; the manager sees a report.
    client.login(username="nurse", password="attune-demo")
    dashboard = client.get("/learn/").content.decode()
    for title in ["Relationships as part of care", "Reading the signs", "Responding in the moment"]:
        assert title in dashboard
    client.login(username="manager", password="attune-demo")
    html = client.get("/reports/").content.decode()
    assert "NICU" in html and "PICU" in html and "Who is overdue" in html
    nicu = Unit.objects.get(name="NICU")
    html = client.get(f"/reports/units/{nicu.pk}/").content.decode()
    assert "Amara Okafor" in html and "Overdue" in html
