from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    """Documents that prove training: certificates, verification, PDFs."""

    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self):
        from training.signals import completion_recorded

        from . import checks  # noqa: F401  (registers the system checks)
        from .receivers import issue_certificate_on_completion

        completion_recorded.connect(
            issue_certificate_on_completion, dispatch_uid="certificates.issue_on_completion"
        )
