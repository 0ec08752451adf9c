"""Template glue: learner pages link to certificates without training importing this app."""

from django import template

from ..models import Certificate

register = template.Library()


@register.simple_tag
def certificates_by_completion(user) -> dict:
    """{completion id: certificate} for one user, in one query."""
    if not getattr(user, "is_authenticated", False):
        return {}
    return {c.completion_id: c for c in Certificate.objects.filter(user=user)}


@register.simple_tag
def certificate_for(certificates: dict, completion_id):
    return certificates.get(completion_id)
