"""Idempotent set-up of the site tree and the staff groups a fresh install needs.

Run by `manage.py setup_site` (and by `seed_demo`). Safe to run again at any time.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page, Site

from modules.models import ModuleIndexPage

from .models import HomePage

EDUCATORS = "Educators"
EDUCATION_LEADS = "Education leads"

# Model permissions by group: (app_label, codename).
GROUP_PERMISSIONS = {
    EDUCATORS: [
        ("wagtailadmin", "access_admin"),
        ("training", "add_modulerequirement"),
        ("training", "change_modulerequirement"),
        ("training", "delete_modulerequirement"),
        ("training", "view_modulerequirement"),
        ("training", "view_role"),
        ("training", "view_unit"),
    ],
    EDUCATION_LEADS: [
        ("wagtailadmin", "access_admin"),
        ("training", "view_all_reports"),
        ("training", "view_modulerequirement"),
        ("training", "view_role"),
        ("training", "view_unit"),
        ("training", "view_staffprofile"),
    ],
}
EDUCATOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "view_page"]
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
            intro=(
                "<p>Short training for the whole care team on noticing strain in the bond "
                "between parents and babies or toddlers in hospital, responding in supportive "
                "ways, and referring to infant mental health specialists when it is needed.</p>"
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
            title="Training modules",
            slug="modules",
            intro="<p>Every module the education team has published.</p>",
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
    for codename in EDUCATOR_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=educators,
            page=catalogue,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            ),
        )
    root_collection = Collection.get_first_root_node()
    for app_label, codename in EDUCATOR_COLLECTION_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=educators,
            collection=root_collection,
            permission=Permission.objects.get(content_type__app_label=app_label, codename=codename),
        )
    return groups


def setup_site() -> tuple[HomePage, ModuleIndexPage, dict[str, Group]]:
    home, catalogue = ensure_site_structure()
    groups = ensure_groups(catalogue)
    return home, catalogue, groups
