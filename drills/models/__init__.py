"""Scenarios, and the drills run from them, one module per stage: scenarios (what a drill
is made of), runs (what happened), evaluation, reports, improvements.

A Scenario is authored in the Wagtail admin. Scheduling a Drill copies the scenario into
the drill's own rows (roles, objectives, injects, expected actions), so editing the
scenario later never changes a past drill.

Drill time is computed, never stored: see drills.clock. What is stored is what happened,
each stamped by the server: the start, pauses, the end, every release of an inject,
every log entry, tick and rating.
"""

from drills.models.evaluation import ActionTick, HotWashAnswer, ObjectiveRating
from drills.models.improvements import ImprovementItem, ImprovementReminder
from drills.models.programme import PlannedDrill
from drills.models.reports import (
    AfterActionReport,
    AfterActionReportQuerySet,
    ReportShareLink,
    ReportShareLinkQuerySet,
)
from drills.models.runs import (
    AcknowledgementQuerySet,
    DrillPause,
    InjectAcknowledgement,
    InjectRelease,
    LogEntry,
    Participant,
)
from drills.models.scenarios import (
    CONTACT_TREE,
    SCENARIO_TYPES,
    Drill,
    DrillAction,
    DrillInject,
    DrillObjective,
    DrillQuerySet,
    DrillRole,
    Scenario,
)

__all__ = [
    "CONTACT_TREE",
    "SCENARIO_TYPES",
    "AcknowledgementQuerySet",
    "ActionTick",
    "AfterActionReport",
    "AfterActionReportQuerySet",
    "Drill",
    "DrillAction",
    "DrillInject",
    "DrillObjective",
    "DrillPause",
    "DrillQuerySet",
    "DrillRole",
    "HotWashAnswer",
    "ImprovementItem",
    "ImprovementReminder",
    "InjectAcknowledgement",
    "InjectRelease",
    "LogEntry",
    "ObjectiveRating",
    "Participant",
    "PlannedDrill",
    "ReportShareLink",
    "ReportShareLinkQuerySet",
    "Scenario",
]
