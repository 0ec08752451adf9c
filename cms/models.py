"""The site shell: the home page and site-wide settings read by every app."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page, Site


class HomePage(Page):
    """The public front door at /: what Attune is, and the way in for staff."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link", "ul"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    max_count = 1
    subpage_types = ["modules.ModuleIndexPage"]


PAPER_SIZES = [("letter", _("US Letter")), ("a4", _("A4"))]  # certificates print landscape on these


@register_setting(icon="site")
class OrganisationSettings(BaseSiteSetting):
    """Who runs this training: printed on certificates and shown to staff on every page."""

    organisation_name = models.CharField(max_length=200, default="Children's Hospital")
    signatory_name = models.CharField(max_length=200, blank=True)
    signatory_title = models.CharField(max_length=200, blank=True)
    ce_statement = models.TextField(
        _("CE accreditation statement"),
        blank=True,
        help_text=_("Printed on certificates beneath the CE hours."),
    )
    paper_size = models.CharField(
        _("certificate paper size"),
        max_length=10,
        choices=PAPER_SIZES,
        default="letter",
        help_text=_("Certificates print landscape on this paper."),
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Printed at the top of certificates. A PNG or SVG-like flat image works best."),
    )
    signature_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The signatory's signature, printed above their name on certificates."),
    )
    staff_support_url = models.URLField(
        blank=True, help_text=_("Staff well-being or employee assistance resources.")
    )
    staff_support_label = models.CharField(max_length=100, blank=True, default="Support for you")
    due_soon_days = models.PositiveSmallIntegerField(
        _("due soon window (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_(
            "Training shows as due soon, and staff get a reminder, this many days "
            "before it is due. Renewal of a recurring requirement opens at the same time."
        ),
    )
    reminders_enabled = models.BooleanField(
        _("send reminder emails"),
        default=True,
        help_text=_("Due-soon and overdue emails to staff, and a weekly digest to unit managers."),
    )

    panels = [
        FieldPanel("organisation_name"),
        MultiFieldPanel(
            [
                FieldPanel("logo"),
                FieldPanel("signatory_name"),
                FieldPanel("signatory_title"),
                FieldPanel("signature_image"),
                FieldPanel("ce_statement"),
                FieldPanel("paper_size"),
            ],
            heading=_("Certificates"),
        ),
        MultiFieldPanel(
            [FieldPanel("staff_support_url"), FieldPanel("staff_support_label")],
            heading=_("Staff support"),
        ),
        MultiFieldPanel(
            [FieldPanel("due_soon_days"), FieldPanel("reminders_enabled")],
            heading=_("Due dates and reminders"),
        ),
    ]

    class Meta:
        verbose_name = _("organisation")

    @classmethod
    def for_default_site(cls) -> OrganisationSettings:
        """The settings of the default site, for work done outside a request (tasks,
        commands). Unsaved defaults when no site exists yet."""
        site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
        return cls.for_site(site) if site is not None else cls()
