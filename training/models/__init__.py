"""Training records, one module per area: reading, sessions, quizzes, certificates and
onward sharing."""

from training.models.certificates import Certificate
from training.models.quizzes import Attempt, AttemptQuestion, Choice, Question, Quiz, QuizRule
from training.models.reading import Acknowledgement
from training.models.routes import CoursePolicy, ModuleStudy, Route
from training.models.sessions import Attendance, Invitation, TrainingSession
from training.models.sharing import (
    Briefing,
    BriefingConfirmation,
    BriefingObligation,
    DepartmentConfirmation,
    DepartmentReport,
    DepartmentSharing,
    MaterialOpening,
    Notice,
    ReminderLadder,
)

__all__ = [
    "Acknowledgement",
    "Attempt",
    "AttemptQuestion",
    "Attendance",
    "Briefing",
    "BriefingConfirmation",
    "BriefingObligation",
    "Certificate",
    "Choice",
    "CoursePolicy",
    "DepartmentConfirmation",
    "DepartmentReport",
    "DepartmentSharing",
    "Invitation",
    "MaterialOpening",
    "ModuleStudy",
    "Notice",
    "Question",
    "Quiz",
    "QuizRule",
    "ReminderLadder",
    "Route",
    "TrainingSession",
]
