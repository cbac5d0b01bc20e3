from django import template

from pacte.accounts.session import SWITCHER_LIMIT, TERRITORIES_KEY

register = template.Library()


@register.simple_tag(takes_context=True)
def my_territories(context):
    """The (slug, name) of the territories of the signed-in person, from their session (no query); None when they
    are too many to list (ANCT)."""
    request = context.get("request")
    rows = request.session.get(TERRITORIES_KEY, []) if request is not None and hasattr(request, "session") else []
    return None if len(rows) > SWITCHER_LIMIT else rows
