"""Idempotent set-up of the site tree and the staff groups a fresh install needs.

Run by `manage.py setup_site` (and by `seed_demo`). Safe to run again at any time.

The first home page and catalogue are written in the language active when this runs (the
site's LANGUAGE_CODE in a management command); after that they are content that editors own.
Group, task and workflow names are identifiers the code looks up, so they are not translated.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.html import format_html
from django.utils.translation import gettext
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from modules.models import ModuleIndexPage

from .models import HomePage

EDUCATORS = "Educators"
EDUCATION_LEADS = "Education leads"
APPROVAL_TASK = "Education lead approval"
REVIEW_WORKFLOW = "Module review"

# Model permissions by group: (app_label, codename).
GROUP_PERMISSIONS = {
    EDUCATORS: [
        ("wagtailadmin", "access_admin"),
        ("training", "add_requirement"),
        ("training", "change_requirement"),
        ("training", "delete_requirement"),
        ("training", "view_requirement"),
        ("training", "add_moduleset"),
        ("training", "change_moduleset"),
        ("training", "delete_moduleset"),
        ("training", "view_moduleset"),
        ("training", "view_role"),
        ("training", "view_unit"),
        ("training", "view_item_analysis"),
    ],
    EDUCATION_LEADS: [
        ("wagtailadmin", "access_admin"),
        ("training", "view_all_reports"),
        ("training", "view_requirement"),
        ("training", "view_moduleset"),
        ("training", "view_role"),
        ("training", "view_unit"),
        ("training", "view_staffprofile"),
        ("training", "view_item_analysis"),
    ],
}
# Educators write and submit for moderation; they never publish. Publishing happens when an
# education lead approves the "Module review" workflow (see ensure_review_workflow).
EDUCATOR_PAGE_PERMISSIONS = ["add_page", "change_page", "view_page"]
EDUCATOR_REVOKED_PAGE_PERMISSIONS = ["publish_page"]
# Education leads review through the workflow. Being in the approval task's group lets them see
# what awaits review, open a module in the editor while it is in review, approve or request
# changes. Approving publishes the revision *as the lead*, and Wagtail checks that the lead may
# publish it, so they need publish_page on the catalogue (this also shows them the catalogue in
# the page explorer). They get no change_page: outside a review the editor stays closed to them.
EDUCATION_LEAD_PAGE_PERMISSIONS = ["publish_page"]
EDUCATOR_COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "choose_document"),
]


@transaction.atomic
def ensure_site_structure() -> tuple[HomePage, ModuleIndexPage]:
    """Make sure there is an Attune home page at / and a module catalogue at /modules/."""
    root = Page.get_first_root_node()
    home = HomePage.objects.first()
    if home is None:
        home = HomePage(
            title="Attune",
            slug="attune-home",
            intro=format_html(
                "<p>{}</p>",
                gettext(
                    "Short training for the whole care team on noticing strain in the bond "
                    "between parents and babies or toddlers in hospital, responding in "
                    "supportive ways, and referring to infant mental health specialists when "
                    "it is needed."
                ),
            ),
        )
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    elif site.root_page_id != home.pk:
        old_root = site.root_page
        site.root_page = home
        site.site_name = site.site_name or "Attune"
        site.save()
        # Wagtail's placeholder welcome page is not wanted once Attune's home page exists.
        if type(old_root.specific) is Page and not old_root.get_children().exists():
            old_root.delete()
    catalogue = ModuleIndexPage.objects.first()
    if catalogue is None:
        catalogue = ModuleIndexPage(
            title=gettext("Training modules"),
            slug="modules",
            intro=format_html(
                "<p>{}</p>", gettext("Every module the education team has published.")
            ),
        )
        home.add_child(instance=catalogue)
        catalogue.save_revision().publish()
    return home, catalogue


@transaction.atomic
def ensure_groups(catalogue: Page) -> dict[str, Group]:
    """Create the Educators and Education leads groups with their permissions."""
    groups = {}
    for name, perms in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in perms:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        groups[name] = group
    educators = groups[EDUCATORS]
    page_permissions = {
        educators: EDUCATOR_PAGE_PERMISSIONS,
        groups[EDUCATION_LEADS]: EDUCATION_LEAD_PAGE_PERMISSIONS,
    }
    for group, codenames in page_permissions.items():
        for codename in codenames:
            GroupPagePermission.objects.get_or_create(
                group=group,
                page=catalogue,
                permission=Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=codename
                ),
            )
    # Installs set up before the review workflow gave educators publish rights; take them back.
    GroupPagePermission.objects.filter(
        group=educators,
        page=catalogue,
        permission__content_type__app_label="wagtailcore",
        permission__codename__in=EDUCATOR_REVOKED_PAGE_PERMISSIONS,
    ).delete()
    root_collection = Collection.get_first_root_node()
    for app_label, codename in EDUCATOR_COLLECTION_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=educators,
            collection=root_collection,
            permission=Permission.objects.get(content_type__app_label=app_label, codename=codename),
        )
    return groups


@transaction.atomic
def ensure_review_workflow(catalogue: Page, leads: Group) -> Workflow:
    """Every page under the catalogue is published through the "Module review" workflow: an
    educator submits, an education lead approves (which publishes) or requests changes."""
    task = GroupApprovalTask.objects.filter(name=APPROVAL_TASK).order_by("pk").first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=APPROVAL_TASK)
    elif not task.active:
        task.active = True
        task.save(update_fields=["active"])
    task.groups.add(leads)

    workflow = Workflow.objects.filter(name=REVIEW_WORKFLOW).order_by("pk").first()
    if workflow is None:
        workflow = Workflow.objects.create(name=REVIEW_WORKFLOW)
    elif not workflow.active:
        workflow.active = True
        workflow.save(update_fields=["active"])
    if not WorkflowTask.objects.filter(workflow=workflow, task=task).exists():
        WorkflowTask.objects.create(
            workflow=workflow, task=task, sort_order=workflow.workflow_tasks.count()
        )

    WorkflowPage.objects.update_or_create(page=catalogue, defaults={"workflow": workflow})
    return workflow


def setup_site() -> tuple[HomePage, ModuleIndexPage, dict[str, Group]]:
    home, catalogue = ensure_site_structure()
    groups = ensure_groups(catalogue)
    ensure_review_workflow(catalogue, groups[EDUCATION_LEADS])
    return home, catalogue, groups
