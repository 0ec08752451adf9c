"""Writes to module content that carry a rule: importing modules from data files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from wagtail.actions.publish_page_revision import PublishPagePermissionError
from wagtail.images import get_image_model

from .content_io import SpecError, load_file, module_fields, module_spec, validate_spec
from .models import ModuleIndexPage, TrainingModulePage


@dataclass(frozen=True)
class ImportResult:
    slug: str
    title: str
    action: str  # "created", "updated" or "unchanged"
    live: bool


def load_specs(paths: list[Path]) -> list[tuple[str, dict]]:
    """Read and validate every file; raise one SpecError listing every problem in all of them."""
    specs, errors = [], []
    for path in paths:
        try:
            data = load_file(path)
        except SpecError as exc:
            errors.extend(exc.errors)
            continue
        problems = validate_spec(data, path.name)
        errors.extend(problems)
        if not problems:
            specs.append((path.name, data))
    if not paths:
        errors.append("No module files were given.")
    if errors:
        raise SpecError(errors)
    return specs


def _image_resolver(specs: list[tuple[str, dict]]):
    """Look up every image a spec names (by title) in one query; report unknown ones."""
    titles = {
        (source, block["value"]["image"].strip())
        for source, spec in specs
        for lesson in spec["lessons"]
        for block in lesson["blocks"]
        if block["type"] == "image"
    }
    found = dict(
        get_image_model()
        .objects.filter(title__in={t for _, t in titles})
        .values_list("title", "pk")
    )
    missing = [
        f"{source}: image '{title}' is not in this site's image library; upload it first."
        for source, title in sorted(titles)
        if title not in found
    ]
    return found.get, missing


@transaction.atomic
def modules_import(
    *, specs: list[tuple[str, dict]], publish: bool, user=None
) -> list[ImportResult]:
    """Create or update module pages from validated module data, all or nothing.

    A module is matched by slug. An update is a new revision of the same page, made only when
    the content differs from the page's latest revision. With publish, the new (or unchanged
    latest) revision is published; otherwise it is left as a draft.
    """
    errors = []
    seen: dict[str, str] = {}
    for source, spec in specs:
        if spec["slug"] in seen:
            errors.append(f"{source}: slug '{spec['slug']}' is also used by {seen[spec['slug']]}.")
        seen[spec["slug"]] = source
    image_id, missing = _image_resolver(specs)
    errors.extend(missing)
    catalogue = ModuleIndexPage.objects.first()
    if catalogue is None:
        errors.append("There is no module catalogue page; run `manage.py setup_site` first.")
    if errors:
        raise SpecError(errors)

    for source, spec in specs:
        try:
            TrainingModulePage(**module_fields(spec, image_id=image_id)).validate_draw()
        except ValidationError as exc:
            errors.extend(
                f"{source}: quiz_settings: {message}"
                for messages in exc.message_dict.values()
                for message in messages
            )
    if errors:
        raise SpecError(errors)

    results = []
    for source, spec in specs:
        fields = module_fields(spec, image_id=image_id)
        existing = TrainingModulePage.objects.filter(slug=fields["slug"]).first()
        if existing is None:
            clash = catalogue.get_children().filter(slug=fields["slug"]).exists()
            if clash:
                raise SpecError([f"{source}: another page already uses slug '{fields['slug']}'."])
            page = TrainingModulePage(**fields, live=publish)
            catalogue.add_child(instance=page)
            revision = page.save_revision(user=user, log_action=True)
            action = "created"
        else:
            page = existing.get_latest_revision_as_object()
            incoming = TrainingModulePage(**fields)
            if module_spec(page) == module_spec(incoming):
                revision = existing.latest_revision
                action = "unchanged"
            else:
                for name, value in fields.items():
                    setattr(page, name, value)
                revision = page.save_revision(user=user, log_action=True)
                action = "updated"
        if publish and revision is not None and revision.pk != _live_revision_id(page):
            try:
                revision.publish(user=user)
            except PublishPagePermissionError:
                raise SpecError(
                    [
                        f"{source}: {user} may not publish modules; import without --publish "
                        "and submit the draft for moderation in the admin."
                    ]
                ) from None
        page = TrainingModulePage.objects.get(pk=page.pk)
        results.append(ImportResult(page.slug, page.title, action, page.live))
    return results


def _live_revision_id(page) -> int | None:
    return (
        TrainingModulePage.objects.filter(pk=page.pk)
        .values_list("live_revision_id", flat=True)
        .first()
    )
