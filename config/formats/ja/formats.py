"""Input formats of the site (config.formats); what is shown is Django's own."""

from config.formats import DATE_INPUT_FORMATS, DATETIME_INPUT_FORMATS, TIME_INPUT_FORMATS

__all__ = ["DATE_INPUT_FORMATS", "DATETIME_INPUT_FORMATS", "TIME_INPUT_FORMATS"]
