"""Wagtail loads this module; each area registers its own admin views on import."""

from training.admin import quizzes, sessions  # noqa: F401
