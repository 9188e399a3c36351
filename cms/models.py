"""Wagtail pages for the training material and each organisation's emergency response plan.

The page types arrive with the CMS issue; until then Wagtail's default root page is used.
"""
