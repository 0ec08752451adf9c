"""The site shell: the home page and site-wide settings read by every app."""

from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    """The public front door at /: what Attune is, and the way in for staff."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link", "ul"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    max_count = 1
    subpage_types = ["modules.ModuleIndexPage"]


@register_setting(icon="site")
class OrganisationSettings(BaseSiteSetting):
    """Who runs this training: printed on certificates and shown to staff on every page."""

    organisation_name = models.CharField(max_length=200, default="Children's Hospital")
    signatory_name = models.CharField(max_length=200, blank=True)
    signatory_title = models.CharField(max_length=200, blank=True)
    ce_statement = models.TextField(
        "CE accreditation statement",
        blank=True,
        help_text="Printed on certificates beneath the CE hours.",
    )
    staff_support_url = models.URLField(
        blank=True, help_text="Staff well-being or employee assistance resources."
    )
    staff_support_label = models.CharField(max_length=100, blank=True, default="Support for you")

    panels = [
        FieldPanel("organisation_name"),
        MultiFieldPanel(
            [
                FieldPanel("signatory_name"),
                FieldPanel("signatory_title"),
                FieldPanel("ce_statement"),
            ],
            heading="Certificates",
        ),
        MultiFieldPanel(
            [FieldPanel("staff_support_url"), FieldPanel("staff_support_label")],
            heading="Staff support",
        ),
    ]

    class Meta:
        verbose_name = "organisation"
