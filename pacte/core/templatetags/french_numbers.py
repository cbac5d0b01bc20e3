"""Numbers as French readers write them: "8 202" (a narrow no-break space between thousands)."""

from django import template

register = template.Library()


@register.filter
def number_fr(value) -> str:
    """An integer with French thousands separators; anything else unchanged."""
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    return f"{value:,}".replace(",", "\u202f")
