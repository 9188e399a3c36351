"""Dates and times as people type them here (settings.FORMAT_MODULE_PATH), on the site's
forms and in the Wagtail admin alike: 2027/01/20 13:30 as much as 2027-01-20 13:30, with
or without seconds, and 2027年1月20日. The first of each list is ISO, which Wagtail's
date pickers write. Display formats stay Django's own for each language."""

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2027-01-20
    "%Y/%m/%d",  # 2027/01/20
    "%Y年%m月%d日",  # 2027年1月20日
    "%Y.%m.%d",  # 2027.01.20
]
DATETIME_INPUT_FORMATS = [
    f"{day}{separator}{time}"
    for day in DATE_INPUT_FORMATS
    for separator in (" ", "T")
    for time in ("%H:%M:%S", "%H:%M")
] + DATE_INPUT_FORMATS
TIME_INPUT_FORMATS = ["%H:%M:%S", "%H:%M", "%H時%M分"]
