from django.apps import AppConfig


class CmsConfig(AppConfig):
    """The Django project and site shell: home page, site-wide settings, URL wiring."""

    name = "cms"
    verbose_name = "Site"
