"""Training records, one module per area: reading, sessions, quizzes, certificates."""

from training.models.certificates import Certificate
from training.models.quizzes import Attempt, AttemptQuestion, Choice, Question, Quiz, QuizRule
from training.models.reading import Acknowledgement
from training.models.sessions import Attendance, Invitation, TrainingSession

__all__ = [
    "Acknowledgement",
    "Attempt",
    "AttemptQuestion",
    "Attendance",
    "Certificate",
    "Choice",
    "Invitation",
    "Question",
    "Quiz",
    "QuizRule",
    "TrainingSession",
]
