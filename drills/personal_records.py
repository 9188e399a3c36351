"""Drills' pages that show personal records, for the audit trail (see
audit.personal_records)."""

from audit.personal_records import (
    POLL_RECORDED_EVERY,
    export,
    listing,
    record,
    register_pages,
)
from drills.models import Drill, ImprovementItem


def personal_records_register() -> None:
    # The staff's consoles (the participants' log with their names), the scores, the hot
    # wash, the after-action report and the improvement items' contacts.
    register_pages({
        "drills:control": record(Drill),
        "drills:evaluate": record(Drill),
        "drills:staff_state": record(Drill, at_most_every=POLL_RECORDED_EVERY),
        "drills:score": record(Drill),
        "drills:hot_wash_summary": record(Drill),
        "drills:report": record(Drill),
        "drills:report_pdf": export(Drill),
        "drills:improvements": listing(ImprovementItem),
        "drills:improvement": record(ImprovementItem),
        "drills:my_improvements": listing(ImprovementItem, own_for_operators=True),
    })
