"""Wagtail pages: the training material and each organisation's emergency response plan.

The tree gives every organisation its own subtree, so that Wagtail's page permissions
can let a municipality's coordinators edit only their own material:

    HomePage
    ├── TrainingIndexPage (one per organisation)
    │   └── TrainingModulePage
    └── EmergencyPlanPage (one per organisation)
"""

from django.db import models
from django.db.models import Q
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.blocks import BaseStreamBlock, PlanStreamBlock
from cms.editions import editions
from people.access import scope_for


class HomePage(Page):
    introduction = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    search_fields = Page.search_fields + [index.SearchField("introduction")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.TrainingIndexPage", "cms.EmergencyPlanPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")


class OrganisationPageForm(WagtailAdminPageForm):
    """A page that belongs to an organisation (its training index, its plan) stays with
    it: only a prefecture-wide user may move it, and a new one may be made only for an
    organisation the user coordinates. Editing another organisation's subtree is Wagtail's
    page permissions' business; which organisation a page names is ours."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("organisation")
        if field is None or self.for_user is None:
            return
        scope = scope_for(self.for_user)
        if scope.sees_everything:
            return
        if self.instance.pk:
            field.disabled = True  # Django then keeps the page's own organisation
        else:
            field.queryset = scope.coordinated_organisations()


class RequiredReadingForm(OrganisationPageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each publication decides afresh: a tick must not carry over from the last one,
        # or every later correction would send everyone back to re-read.
        self.initial["requires_reacknowledgement"] = False
        self.initial["edition_reason"] = ""

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("requires_reacknowledgement") and not cleaned_data.get(
                "edition_reason", "").strip():
            self.add_error("edition_reason", _(
                "Give the reason for the new edition: it is printed in the revision "
                "history, and readers see it when asked to read the page again."))
        return cleaned_data


class RequiredReading(models.Model):
    """Who must read and acknowledge a page. Saved in each revision, so it is versioned too."""

    class Audience(models.TextChoices):
        NOBODY = "nobody", _("Not required reading")
        ID_HOLDERS = "id_holders", _("All ID holders")
        NEW_ID_HOLDERS = "new_id_holders", _("New ID holders of this fiscal year")
        SUPERVISORS = "supervisors", _("Supervisors")
        COORDINATORS = "coordinators", _("Coordinators")

    class Reach(models.TextChoices):
        OWN_ORGANISATION = "own", _("This organisation only")
        ALL_ORGANISATIONS = "all", _("Every organisation")

    required_for = models.CharField(
        _("required reading for"), max_length=20, choices=Audience.choices,
        default=Audience.NOBODY,
    )
    reach = models.CharField(
        _("in"), max_length=10, choices=Reach.choices, default=Reach.OWN_ORGANISATION
    )
    # A new edition (改定) rather than a correction (訂正): cms.editions.
    requires_reacknowledgement = models.BooleanField(
        _("new edition: everyone must read it again"),
        default=False,
        help_text=_(
            "Tick when publishing a revision (改定) everyone it applies to must read again: "
            "it becomes the next edition, and they will see what changed since the edition "
            "they last acknowledged. Leave it unticked for a correction (訂正), such as a "
            "typo: the edition stays the same and nobody is asked again."
        ),
    )
    edition_reason = models.CharField(
        _("reason for the new edition"), max_length=200, blank=True,
        help_text=_("Printed in the revision history (改定履歴) of the plan."),
    )

    base_form_class = RequiredReadingForm

    reading_panels = [
        MultiFieldPanel(
            [
                FieldPanel("required_for"),
                FieldPanel("reach"),
                FieldPanel("requires_reacknowledgement"),
                FieldPanel("edition_reason"),
            ],
            heading=_("Required reading"),
        )
    ]

    class Meta:
        abstract = True

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["return_to"] = return_path(request)
        context["editions"] = editions(self)
        return context


def return_path(request) -> str:
    """Where the reader came from (`?from=`, set by the page that sent them here, such as
    a briefing's list of materials), so that the material can send them back. Only a path
    on this site is honoured: anything else would make the page an open redirect."""
    candidate = request.GET.get("from", "")
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


class TrainingIndexPage(Page):
    organisation = models.OneToOneField(
        "people.Organisation", on_delete=models.PROTECT, related_name="training_index",
        verbose_name=_("organisation"),
    )
    introduction = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("organisation"), FieldPanel("introduction")]
    search_fields = Page.search_fields + [index.SearchField("introduction")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.TrainingModulePage"]
    base_form_class = OrganisationPageForm

    class Meta:
        verbose_name = _("training index")


class TrainingModulePage(RequiredReading, Page):
    summary = models.TextField(_("summary"), blank=True)
    body = StreamField(BaseStreamBlock(), verbose_name=_("body"))

    content_panels = (
        Page.content_panels
        + [FieldPanel("summary"), FieldPanel("body")]
        + RequiredReading.reading_panels
    )
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
    ]

    parent_page_types = ["cms.TrainingIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("training module")

    @property
    def organisation(self):
        return self.get_parent().specific.organisation


def modules_open_to(organisations):
    """The training modules that sessions and questions of these organisations may cite:
    the modules under their own training indexes, and those another organisation (in
    practice the prefecture) shares with every organisation."""
    open_to = Q(reach=RequiredReading.Reach.ALL_ORGANISATIONS)
    for path in TrainingIndexPage.objects.filter(organisation__in=organisations).values_list(
        "path", flat=True
    ):
        open_to |= Q(path__startswith=path)
    return TrainingModulePage.objects.filter(open_to)


class EmergencyPlanPage(RequiredReading, Page):
    organisation = models.OneToOneField(
        "people.Organisation", on_delete=models.PROTECT, related_name="emergency_plan",
        verbose_name=_("organisation"),
    )
    summary = models.TextField(_("purpose and scope"), blank=True)
    body = StreamField(PlanStreamBlock(), verbose_name=_("body"))

    content_panels = Page.content_panels + [
        FieldPanel("organisation"), FieldPanel("summary"), FieldPanel("body"),
    ] + RequiredReading.reading_panels
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
    ]

    parent_page_types = ["cms.HomePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("emergency response plan")


class OrganisationCollection(models.Model):
    """The collection that holds an organisation's own documents and images, mirroring its
    subtree of pages: its editors upload there, and only people whose scope includes the
    organisation may download its documents (cms.wagtail_hooks)."""

    organisation = models.OneToOneField(
        "people.Organisation", on_delete=models.CASCADE, related_name="collection",
        verbose_name=_("organisation"),
    )
    collection = models.OneToOneField(
        "wagtailcore.Collection", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("collection"),
    )

    class Meta:
        verbose_name = _("organisation's collection")

    def __str__(self):
        return str(self.collection)
