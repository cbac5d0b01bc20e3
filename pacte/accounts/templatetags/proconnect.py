from django import template

from pacte.accounts.oidc import is_configured

register = template.Library()


@register.simple_tag
def proconnect_configured() -> bool:
    """Whether the ProConnect button is shown (the three PROCONNECT_* variables are set); no network."""
    return is_configured()
