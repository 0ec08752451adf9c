"""Registers the certificates admin (certificates/admin_views.py): Certificates in the main
menu, for superusers and holders of certificates.revoke_certificate. The permission policy is
registered before the viewset so that Wagtail never falls back to the model permissions."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .admin_views import CertificatePermissionPolicy, CertificateViewSet
from .models import Certificate

register_permission_policy(Certificate, CertificatePermissionPolicy(Certificate))


@hooks.register("register_admin_viewset")
def register_certificate_viewset():
    return CertificateViewSet()
