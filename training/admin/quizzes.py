"""Quizzes and the question bank in the Wagtail admin (registered by training.wagtail_hooks)."""
