"""Dates in templates as core.dates writes them: {{ day|document_date }} is 令和8年11月23日
in Japanese and the Western date in English, for the pages that stand for a document."""

from django import template

from core import dates

register = template.Library()
register.filter("document_date", dates.document_date)
register.filter("document_datetime", dates.document_datetime)
