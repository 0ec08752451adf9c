from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    """The Django project and site shell: home page, site-wide settings, URL wiring."""

    name = "cms"
    verbose_name = _("Site")
