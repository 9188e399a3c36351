"""The blocks training material and emergency plans are written in.

Training modules use BaseStreamBlock. Plans add structured blocks: a contact tree and,
per incident type, a procedure of numbered steps. Each step keeps the id Wagtail gives a
list item, which survives edits and reordering, so drills can point at "step X of the
plan" across revisions.
"""

from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageBlock


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("heading"), max_length=120)

    class Meta:
        icon = "title"
        template = "blocks/heading.html"
        label = _("Heading")
        description = _("Starts a section; change summaries compare plans section by section.")


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[("warning", _("Warning")), ("note", _("Note"))], default="warning",
        label=_("kind"),
    )
    text = blocks.RichTextBlock(features=["bold", "link"], label=_("text"))

    class Meta:
        icon = "warning"
        template = "blocks/callout.html"
        label = _("Warning or note")
        description = _("A boxed warning or note that stands out from the text.")


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    title = blocks.CharBlock(required=False, label=_("link text"))

    class Meta:
        icon = "doc-full"
        template = "blocks/document.html"
        label = _("Document")
        description = _("A downloadable document, such as a form or a handout.")


class BaseStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        features=["bold", "italic", "ol", "ul", "link", "document-link"],
        icon="pilcrow",
        template="blocks/paragraph.html",
        label=_("Text"),
        description=_("Rich text: paragraphs, lists and links."),
    )
    image = ImageBlock(
        template="blocks/image.html", label=_("Image"), description=_("An image with alt text.")
    )
    document = DocumentBlock()
    callout = CalloutBlock()
    key_points = blocks.ListBlock(
        blocks.CharBlock(label=_("point")),
        icon="list-ul",
        template="blocks/key_points.html",
        label=_("Key points"),
        description=_("The few things a reader must remember."),
    )
    checklist = blocks.ListBlock(
        blocks.CharBlock(label=_("item")),
        icon="tasks",
        template="blocks/checklist.html",
        label=_("Checklist"),
        description=_("Things to check, one per line."),
    )


class ContactBlock(blocks.StructBlock):
    role = blocks.CharBlock(label=_("role"), max_length=100)
    name = blocks.CharBlock(label=pgettext_lazy("contact", "name"), max_length=100)
    phone = blocks.CharBlock(label=_("phone"), max_length=40)
    backup = blocks.CharBlock(
        label=_("backup"), max_length=140, required=False,
        help_text=_("Who to call when this person cannot be reached, and their number."),
    )

    class Meta:
        label = _("Contact")
        # What a change summary calls a contact (cms/changes.py): 「連絡先 2（課長 山田 太郎）」.
        summary_name = ("role", "name")


class ContactTreeBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), default="緊急連絡網")
    contacts = blocks.ListBlock(ContactBlock(), label=_("contacts, in calling order"))

    class Meta:
        icon = "group"
        template = "blocks/contact_tree.html"
        label = _("Contact tree")
        description = _("Who calls whom, in order, with a backup for each link.")


INCIDENT_TYPES = [
    ("unauthorised_lookup", _("Suspected unauthorised lookup")),
    ("lost_device", _("Lost authentication device or card")),
    ("malware", _("Malware on a terminal")),
    ("outage", _("Network or system outage")),
    ("earthquake", _("Large earthquake")),
    ("other", _("Other incident")),
]


class ProcedureStepValue(blocks.StructValue):
    """A step's time target as an office writes it: 直ちに rather than "within 0 min",
    24時間以内 rather than "within 1440 min"."""

    def time_target(self) -> str:
        minutes = self.get("time_target_minutes")
        if minutes is None:
            return ""
        if minutes == 0:
            return gettext("immediately")
        return gettext("within %(span)s") % {"span": _span(minutes)}

    def time_target_from_discovery(self) -> str:
        minutes = self.get("time_target_minutes")
        if minutes is None:
            return ""
        if minutes == 0:
            return gettext("immediately on discovery")
        return gettext("within %(span)s of discovery") % {"span": _span(minutes)}


def _span(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(hours)d hour", "%(hours)d hours", hours) % {"hours": hours}
    return ngettext("%(minutes)d minute", "%(minutes)d minutes", minutes) % {"minutes": minutes}


class ProcedureStepBlock(blocks.StructBlock):
    action = blocks.TextBlock(label=_("action"))
    responsible_role = blocks.CharBlock(label=_("responsible role"), max_length=100)
    time_target_minutes = blocks.IntegerBlock(
        label=_("time target (minutes)"), required=False, min_value=0,
        help_text=_("Minutes from discovery of the incident; leave empty for no target."),
    )

    class Meta:
        label = _("Step")
        summary_name = ("action",)
        value_class = ProcedureStepValue


class ProcedureBlock(blocks.StructBlock):
    incident_type = blocks.ChoiceBlock(choices=INCIDENT_TYPES, label=_("incident type"))
    title = blocks.CharBlock(label=_("title"), max_length=120)
    summary = blocks.TextBlock(label=_("when this applies"), required=False)
    steps = blocks.ListBlock(ProcedureStepBlock(), label=_("steps, in order"), min_num=1)

    class Meta:
        icon = "list-ol"
        template = "blocks/procedure.html"
        label = _("Incident procedure")
        description = _("The numbered steps for one type of incident, each with who and how fast.")


class PlanStreamBlock(BaseStreamBlock):
    contact_tree = ContactTreeBlock()
    procedure = ProcedureBlock()
