"""Template glue: module pages show the learner's progress without modules knowing people."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import selectors

register = template.Library()


@register.inclusion_tag("training/includes/module_progress.html", takes_context=True)
def module_progress(context, module):
    request = context["request"]
    progress = None
    # A second panel on the page gets its own landmark name (landmarks must be unique).
    shown = request.__dict__.setdefault("_attune_module_progress_shown", {})
    position = shown[getattr(module, "pk", None)] = shown.get(getattr(module, "pk", None), 0) + 1
    if request.user.is_authenticated and getattr(module, "pk", None):
        # A page may show the panel twice (above and below the lessons): compute it once.
        cache = request.__dict__.setdefault("_attune_module_progress", {})
        if module.pk not in cache:
            cache[module.pk] = selectors.module_progress(
                user=request.user, module_id=module.pk, today=timezone.localdate()
            )
        progress = cache[module.pk]
    return {"request": request, "module": module, "progress": progress, "position": position}


@register.simple_tag
def matrix_cell(cell, assignment_url_0: str):
    """One cell of a unit matrix: the status (linking to the assignment) and its date.

    `assignment_url_0` is the assignment page's URL for id 0, reversed once per page by the
    template. Built here rather than in template code: a page holds thousands of cells, and a
    template and a URL reversal per cell cost the unit page more than all its queries.
    """
    if cell.status is None:
        return format_html('<td><span class="status-na">{}</span></td>', _("Not required"))
    if cell.status == "completed" and cell.valid_until:
        when = _("until %(date)s") % {"date": cell.valid_until.isoformat()}
    elif cell.status == "completed" and cell.completed_on:
        when = cell.completed_on.isoformat()
    elif cell.status == "exempt":
        when = ""
    else:
        when = _("due %(date)s") % {"date": cell.due_date.isoformat()}
        if cell.days_late:
            late = ngettext("%(days)s day late", "%(days)s days late", cell.days_late)
            when += " · " + late % {"days": cell.days_late}
    return format_html(
        '<td><a href="{}{}/"><span class="attune-status status-{}">{}</span></a><br>'
        '<span class="attune-meta">{}</span></td>',
        assignment_url_0.removesuffix("0/"),
        cell.assignment_id,
        cell.status.value,
        cell.status.label,
        when,
    )
