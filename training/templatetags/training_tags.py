"""Template glue: module pages show the learner's progress without modules knowing people."""

from django import template
from django.utils import timezone

from .. import selectors

register = template.Library()


@register.inclusion_tag("training/includes/module_progress.html", takes_context=True)
def module_progress(context, module):
    request = context["request"]
    progress = None
    if request.user.is_authenticated and getattr(module, "pk", None):
        # A page may show the panel twice (above and below the lessons): compute it once.
        cache = request.__dict__.setdefault("_attune_module_progress", {})
        if module.pk not in cache:
            cache[module.pk] = selectors.module_progress(
                user=request.user, module_id=module.pk, today=timezone.localdate()
            )
        progress = cache[module.pk]
    return {"request": request, "module": module, "progress": progress}
