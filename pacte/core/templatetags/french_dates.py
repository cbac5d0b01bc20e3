"""Dates written as French writes them: the first of the month is "1er" ("1er mars 2025", "8 mars 2025").

{% load french_dates %}{{ version.published_on|date_fr }}   {{ resolution.decided_at|date_fr:"à H:i" }}
"""

import datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

register = template.Library()


@register.filter
def date_fr(value, time_format: str = "") -> str:
    """'j F Y' with "1er" for the first of the month; `time_format` (e.g. "à H:i") is appended for a datetime."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    day = "1er" if value.day == 1 else str(value.day)
    text = f"{day} {date_format(value, 'F Y')}"
    if time_format:
        text += " " + date_format(value, time_format)
    return text
