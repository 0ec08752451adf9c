"""Template glue: a module page shows the learner's place in its lessons without `modules`
knowing about people."""

from django import template

from .. import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def lesson_overview(context, module):
    """The module's lessons as the viewer stands in them. In the editor's preview, and for
    visitors without a staff profile (educators, managers), `is_learner` is False and the
    page shows every lesson in full instead."""
    request = context.get("request")
    if request is None or getattr(request, "is_preview", False):
        steps = selectors.lesson_steps(module, current=None, furthest=None)
        return selectors.LessonOverview(is_learner=False, steps=steps)
    return selectors.lesson_overview(user=request.user, module=module)
