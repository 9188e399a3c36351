"""Onward sharing (伝達研修): who must be briefed on a session, and recording that they were.

Closing a session's attendance (`attendance_close`) decides, for every department the
session was for, which ID holders still need to be briefed: everyone in its audience who
attended neither this session nor another session this fiscal year covering all of its
modules. Each gets a BriefingObligation, due `briefing_due_days` after the close, or on
the organisation's next working day when that one is closed (people.calendar).

The audience keeps changing after that: people get IDs, move, or lose their ID.
`obligations_sync` (run at the close and daily by django-q2) brings the obligations up to
date: a newcomer gets one, and someone who left drops out with the reason kept. Only
sessions of the current fiscal year are kept in step; a past year's records stay as they
were at its end.

The stage of an obligation is never stored; `Stage.of` and the conditions counted by
`sharings_with_counts` derive it, one for Python and one for SQL, from the same facts:
dropped, confirmed, briefed, due date.

Permission (who may record what) is training.access's; this package checks the facts.
One module per step: stages, obligations (who must be briefed), briefings (recording and
confirming them), departments (the supervisor's confirmation and report).
"""

from training.sharing.briefings import (
    BriefingForm,
    attendees_of,
    briefing_confirm,
    briefing_record,
    confirmation_refusal,
    material_open,
    materials_of,
)
from training.sharing.departments import (
    DepartmentStatus,
    StatusAsSubmitted,
    StatusRow,
    department_confirm,
    department_reports_rewrite,
    department_status,
    report_letterhead_initial,
    report_submit,
)
from training.sharing.obligations import (
    SyncResult,
    attendance_close,
    obligation_add,
    obligations_sync,
    sharings_briefed_by,
    sharings_of_departments,
)
from training.sharing.stages import Stage, obligations_with_facts, sharings_with_counts

__all__ = [
    "BriefingForm",
    "DepartmentStatus",
    "Stage",
    "StatusAsSubmitted",
    "StatusRow",
    "SyncResult",
    "attendance_close",
    "attendees_of",
    "briefing_confirm",
    "briefing_record",
    "confirmation_refusal",
    "department_confirm",
    "department_reports_rewrite",
    "department_status",
    "material_open",
    "materials_of",
    "obligation_add",
    "obligations_sync",
    "obligations_with_facts",
    "report_letterhead_initial",
    "report_submit",
    "sharings_briefed_by",
    "sharings_of_departments",
    "sharings_with_counts",
]
