"""Whether a drill's evaluation is frozen, and the one refusal every write path gives.

While a drill has a current final after-action report (one not superseded), what the
report was made from stands as it was finalised: the evaluator's ratings and ticks and
the coordinator's findings. Every function that writes them (drills.runs, drills.report)
locks the drill's row and asks here first, so a write racing a finalise either lands
before it (and finalise notices, see drills.report) or is refused. Reopening the report
(drills.report.report_reopen) is the one way to change them again.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from drills.models import AfterActionReport, Drill


def current_report_of(drill: Drill) -> AfterActionReport | None:
    return (AfterActionReport.objects.current().filter(drill=drill)
            .select_related("finalised_by").defer("pdf", "pdf_by_role").first())


def refuse_when_final(drill: Drill) -> None:
    """Raise the refusal when the drill's report is final. The caller holds the drill's
    row lock, so no finalise commits between this check and its write."""
    final = current_report_of(drill)
    if final is not None:
        raise ValidationError(
            _("The after-action report of this drill was finalised (version %(version)d): "
              "its ratings, ticks and findings can no longer change. To change them, reopen "
              "the report on its page, giving the reason.") % {"version": final.version}
        )
