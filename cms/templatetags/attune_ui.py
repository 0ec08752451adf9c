"""Template helpers for the site shell's design system (the U.S. Web Design System)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

register = template.Library()

_ALERTS = {"error": "error", "success": "success", "warning": "warning"}


@register.simple_tag
def nav_item(request, url: str, label: str):
    """One item of the main navigation, marked current (for sight and for screen readers)
    when the page being shown is in its section."""
    current = bool(url) and request is not None and request.path.startswith(url)
    if current:
        return format_html(
            '<li class="usa-nav__primary-item"><a class="usa-nav-link usa-current" href="{}" '
            'aria-current="page"><span>{}</span></a></li>',
            url,
            label,
        )
    return format_html(
        '<li class="usa-nav__primary-item"><a class="usa-nav-link" href="{}"><span>{}</span></a>'
        "</li>",
        url,
        label,
    )


@register.simple_tag
def alert_type(tags: str) -> str:
    """The USWDS alert variant for a Django message's tags (info for anything else)."""
    for tag in (tags or "").split():
        if tag in _ALERTS:
            return _ALERTS[tag]
    return "info"
