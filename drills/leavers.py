"""What anonymising a leaver must reach in drills' records (see people.lifecycle)."""

from django.utils.translation import ngettext

from drills.models import (
    AfterActionReport,
    DrillObjective,
    HotWashAnswer,
    ImprovementItem,
    ImprovementReminder,
    LogEntry,
    ObjectiveRating,
    Participant,
)
from people.lifecycle import (
    register_copy_rewriter,
    register_free_texts,
    register_kept_records,
    register_named_by,
    register_snapshot,
)
from people.models import Person


def leavers_register() -> None:
    register_snapshot(Participant, person="person", name=("display_name",))
    register_snapshot(ImprovementReminder, person="recipient", address=("emailed_to",))

    register_free_texts(LogEntry, "text", organisation="drill__organisation")
    # A guest (without an account) types their name: the leaver may have joined as one.
    register_free_texts(Participant, "display_name", organisation="drill__organisation")
    register_free_texts(HotWashAnswer, "went_well", "to_improve",
                        organisation="drill__organisation")
    register_free_texts(ObjectiveRating, "notes", organisation="objective__drill__organisation")
    register_free_texts(DrillObjective, "strengths", "areas_for_improvement",
                        organisation="drill__organisation")
    register_free_texts(ImprovementItem, "issue", "corrective_action",
                        organisation="drill__organisation")
    # The letterhead's sender, as typed at finalising: most often the finaliser.
    register_free_texts(AfterActionReport, "sender_name",
                        organisation="finalised_by__organisation")

    register_named_by(Participant, "person")

    register_copy_rewriter(_frozen_reports_rewrite)
    register_kept_records(_participations)


def _frozen_reports_rewrite(person, *, label, quoted):
    # Imported when called: the report module pulls in reportlab.
    from drills.report import frozen_reports_rewrite

    frozen_reports_rewrite(person, label=label, quoted=quoted)


def _participations(person: Person) -> str:
    # The msgid the confirmation page's template used to have.
    count = Participant.objects.filter(person=person).count()
    return ngettext("%(counter)s drill taken part in", "%(counter)s drills taken part in",
                    count) % {"counter": count}
