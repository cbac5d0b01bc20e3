"""The territories a person works on, kept in their session for the workspace's territory switcher (read on every
workspace page without a query). Refreshed at sign-in and when the person accepts an invitation (an access given by
someone else appears at the next sign-in; "Mon espace" always lists them all)."""

TERRITORIES_KEY = "pacte_territories"
SWITCHER_LIMIT = 30  # beyond (ANCT), the switcher links to "Mon espace", which lists them all


def session_territories_refresh(request) -> None:
    from pacte.core.access import territories_for_user

    user = request.user
    if not user.is_authenticated or not hasattr(request, "session"):
        return
    rows = list(territories_for_user(user).order_by("name").values_list("slug", "name")[: SWITCHER_LIMIT + 1])
    request.session[TERRITORIES_KEY] = [list(row) for row in rows]
