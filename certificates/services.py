"""Every write in certificates that carries a business rule."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from cms.models import OrganisationSettings

from .models import Certificate
from .rendering import render_certificate_pdf


def _organisation() -> OrganisationSettings:
    return OrganisationSettings.for_default_site()


@transaction.atomic
def certificate_issue(*, completion, actor=None) -> Certificate:
    """Issue the certificate for a completion, freezing what it says.

    The PDF is rendered separately (certificate_render_pdf) so that a slow or failed render
    never loses the record of the completion.
    """
    if Certificate.objects.filter(completion=completion).exists():
        raise ValidationError("A certificate was already issued for this completion.")
    user = completion.user
    org = _organisation()
    certificate = Certificate(
        completion=completion,
        user=user,
        learner_name=user.get_full_name() or user.get_username(),
        module_title=completion.module.title,
        completed_on=completion.completed_on,
        ce_hours=completion.module.ce_hours,
        organisation_name=org.organisation_name,
        signatory_name=org.signatory_name,
        signatory_title=org.signatory_title,
        ce_statement=org.ce_statement,
    )
    certificate.full_clean()
    if actor is not None:
        certificate._history_user = actor
    certificate.save()
    return certificate


@transaction.atomic
def certificate_render_pdf(*, certificate_id: int) -> Certificate:
    """Render and store the certificate's PDF once; later calls return the stored file."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
    if certificate.pdf:
        return certificate
    pdf = render_certificate_pdf(certificate)
    certificate.pdf.save(f"{certificate.code}.pdf", ContentFile(pdf), save=False)
    certificate.skip_history_when_saving = True
    certificate.save(update_fields=["pdf"])
    del certificate.skip_history_when_saving
    return certificate
