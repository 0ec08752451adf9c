"""Modules are published through Wagtail's moderation workflow: an educator submits, an
education lead approves (which publishes) or requests changes. Nobody else can publish."""

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    PageLogEntry,
    TaskState,
    Workflow,
    WorkflowPage,
    WorkflowState,
    WorkflowTask,
)

from cms.site_setup import EDUCATION_LEADS, EDUCATORS
from modules.models import ModuleIndexPage, TrainingModulePage

from .test_editor import GOOD, add_url, module_post, workflow_action_url

pytestmark = pytest.mark.django_db


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


@pytest.fixture
def submitted(people, site, login):
    """A module the educator has written and submitted for moderation."""
    response = login(people.educator).post(add_url(site), module_post("Review me", GOOD))
    assert response.status_code == 302, response.content.decode()[:2000]
    page = TrainingModulePage.objects.get(slug="review-me")
    assert page.workflow_in_progress and not page.live
    return page


# (a) Educators cannot publish.


def test_educator_is_offered_submit_not_publish(people, site, login, submitted):
    client = login(people.educator)
    content = client.get(add_url(site)).content.decode()
    assert 'name="action-submit"' in content
    assert "Submit to Module review" in content
    assert 'name="action-publish"' not in content
    # Nor on an existing draft.
    draft = module_post("A draft", GOOD, action=None)
    assert client.post(add_url(site), draft).status_code == 302
    page = TrainingModulePage.objects.get(slug="a-draft")
    content = client.get(edit_url(page)).content.decode()
    assert 'name="action-submit"' in content
    assert 'name="action-publish"' not in content


def test_educator_publish_post_on_a_draft_leaves_it_not_live(people, site, login):
    client = login(people.educator)
    assert client.post(add_url(site), module_post("A draft", GOOD, action=None)).status_code == 302
    page = TrainingModulePage.objects.get(slug="a-draft")
    response = client.post(edit_url(page), module_post("A draft", GOOD, action="publish"))
    assert response.status_code == 302, response.content.decode()[:2000]
    page.refresh_from_db()
    assert not page.live and page.live_revision_id is None
    assert page.revisions.count() == 2  # the edit was kept as a draft revision
    assert not PageLogEntry.objects.filter(page=page, action="wagtail.publish").exists()


def test_educator_cannot_approve_their_own_submission(people, login, submitted):
    response = login(people.educator).post(workflow_action_url(submitted, "approve"))
    assert response.status_code == 302 and response["Location"] == "/admin/"  # refused
    submitted.refresh_from_db()
    assert not submitted.live and submitted.workflow_in_progress


# (b) Request changes, edit, resubmit.


def test_lead_requests_changes_and_the_educator_edits_and_resubmits(people, site, login, submitted):
    comment = "Please add the source for the second question."
    client = login(people.lead)
    response = client.post(workflow_action_url(submitted, "reject"), {"comment": comment})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert not submitted.live and submitted.live_revision_id is None
    state = WorkflowState.objects.for_instance(submitted).get()
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    rejected = state.current_task_state
    assert rejected.status == TaskState.STATUS_REJECTED
    assert rejected.comment == comment and rejected.finished_by == people.lead
    assert PageLogEntry.objects.filter(
        page=submitted, action="wagtail.workflow.reject", user=people.lead
    ).exists()

    # The educator sees the comment, edits and resubmits.
    client.force_login(people.educator)
    response = client.get(edit_url(submitted))
    assert response.status_code == 200
    assert comment in response.content.decode()
    assert 'name="action-publish"' not in response.content.decode()
    response = client.post(
        edit_url(submitted), module_post("Review me again", GOOD) | {"slug": "review-me"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    submitted.refresh_from_db()
    assert not submitted.live
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert submitted.current_workflow_task_state.revision == submitted.get_latest_revision()

    # Approval now publishes the corrected version.
    client.force_login(people.lead)
    assert client.post(workflow_action_url(submitted, "approve")).status_code == 302
    submitted.refresh_from_db()
    assert submitted.live and submitted.title == "Review me again"
    assert submitted.live_revision == submitted.get_latest_revision()


# (c) Approval publishes, and the record says who approved.


def test_lead_approval_publishes_and_is_recorded(people, login, submitted):
    revision = submitted.get_latest_revision()
    client = login(people.lead)
    assert "Review me" in client.get("/admin/").content.decode()  # awaiting their review
    assert client.get(edit_url(submitted)).status_code == 200  # can open it in the editor
    response = client.post(workflow_action_url(submitted, "approve"), {"comment": "Clear, thanks."})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.live and submitted.live_revision == revision
    assert not submitted.workflow_in_progress
    task_state = TaskState.objects.get(revision=revision)
    assert task_state.status == TaskState.STATUS_APPROVED
    assert task_state.finished_by == people.lead and task_state.comment == "Clear, thanks."
    approvals = PageLogEntry.objects.filter(page=submitted, action="wagtail.workflow.approve")
    assert [entry.user for entry in approvals] == [people.lead]
    publish = PageLogEntry.objects.get(page=submitted, action="wagtail.publish")
    assert publish.user == people.lead and publish.revision == revision
    assert WorkflowState.objects.for_instance(submitted).get().requested_by == people.educator
    client.force_login(people.staff)
    assert client.get(submitted.url).status_code == 200


def test_lead_cannot_edit_a_module_outside_review(people, module, login):
    """Leads review; they do not author. Outside a review the editor is closed to them."""
    response = login(people.lead).get(edit_url(module))
    assert response.status_code == 302 and response["Location"] == "/admin/"


# (d) Nobody else can approve.


@pytest.mark.parametrize("kind", ["staff", "manager"])
@pytest.mark.parametrize("action", ["approve", "reject"])
def test_staff_and_managers_cannot_review(people, login, submitted, kind, action):
    url = workflow_action_url(submitted, action)
    response = login(getattr(people, kind)).post(url, {"comment": "x"})
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:
        assert response["Location"].startswith("/admin/login/")
    submitted.refresh_from_db()
    assert not submitted.live and submitted.workflow_in_progress
    assert submitted.current_workflow_task_state.status == TaskState.STATUS_IN_PROGRESS


# (e) Set-up is idempotent.


def test_setup_site_twice_makes_one_review_workflow(blank_db):
    call_command("setup_site")
    call_command("setup_site")
    catalogue = ModuleIndexPage.objects.get()
    workflow = Workflow.objects.get(name="Module review")
    task = GroupApprovalTask.objects.get(name="Education lead approval")
    assert [g.name for g in task.groups.all()] == [EDUCATION_LEADS]
    assert list(WorkflowTask.objects.filter(workflow=workflow).values_list("task", flat=True)) == [
        task.pk
    ]
    assert WorkflowPage.objects.filter(workflow=workflow).count() == 1
    assert WorkflowPage.objects.get(workflow=workflow).page_id == catalogue.pk
    assert catalogue.get_workflow() == workflow


def test_setup_site_takes_publishing_away_from_educators(site):
    publish = Permission.objects.get(content_type__app_label="wagtailcore", codename="publish_page")
    educators = site.groups[EDUCATORS]
    GroupPagePermission.objects.create(group=educators, page=site.catalogue, permission=publish)
    call_command("setup_site")
    codenames = set(
        GroupPagePermission.objects.filter(group=educators).values_list(
            "permission__codename", flat=True
        )
    )
    assert codenames == {"add_page", "change_page", "view_page"}
    lead_codenames = set(
        GroupPagePermission.objects.filter(group=site.groups[EDUCATION_LEADS]).values_list(
            "permission__codename", flat=True
        )
    )
    assert lead_codenames == {"publish_page"}
