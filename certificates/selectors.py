"""Reads in certificates that build a screen."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from .models import Certificate, CodeAndExpiry, normalise_code

# Everything public verification may show, and nothing else: no user, email, username or
# employee id is read, so the verify page cannot show one by mistake.
PUBLIC_FIELDS = (
    "code",
    "learner_name",
    "module_title",
    "completed_on",
    "expires_on",
    "ce_hours",
    "organisation_name",
    "issued_at",
    "reissued_at",
    "revoked_at",
)


@dataclass(frozen=True)
class PublicCertificate(CodeAndExpiry):
    """What anyone holding a certificate's code may learn about it."""

    code: str
    learner_name: str
    module_title: str
    completed_on: datetime.date
    expires_on: datetime.date | None
    ce_hours: decimal.Decimal
    organisation_name: str
    issued_at: datetime.datetime
    reissued_at: datetime.datetime | None
    revoked_at: datetime.datetime | None
    status: str  # Certificate.Status: valid, expired or revoked, on the day it was read

    @property
    def status_label(self) -> str:
        return Certificate.Status(self.status).label


def certificates_for_codes(codes: Iterable[str]) -> dict[str, PublicCertificate]:
    """The certificates with these codes (as people type them: any case, dashes, spaces),
    keyed by normalised code; unknown codes are simply absent. One query."""
    wanted = {normalise_code(code) for code in codes} - {""}
    if not wanted:
        return {}
    today = timezone.localdate()
    found = Certificate.objects.filter(code__in=wanted).only(*PUBLIC_FIELDS).order_by()
    return {
        certificate.code: PublicCertificate(
            **{name: getattr(certificate, name) for name in PUBLIC_FIELDS},
            status=certificate.status_on(today),
        )
        for certificate in found
    }


def certificate_for_code(code: str) -> PublicCertificate | None:
    """Public verification's lookup: the certificate with this code, or None. One query."""
    return certificates_for_codes([code]).get(normalise_code(code))
