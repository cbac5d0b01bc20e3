"""Access helpers: every view starts with one; none does a raw .get()."""

from django.core.exceptions import PermissionDenied
from django.db.models import CharField, OuterRef, QuerySet, Subquery, Value
from django.http import Http404
from django.shortcuts import get_object_or_404

from pacte.accounts.models import Role
from pacte.territories.models import Territory


def territories_for_user(user, *, write: bool = False) -> QuerySet:
    """Territories a user may read (or change, with write=True: an archived territory is read-only for everyone)."""
    if not user.is_authenticated:
        return Territory.objects.none()
    territories = Territory.objects.filter(archived_at__isnull=True) if write else Territory.objects.all()
    if user.is_superuser:
        return territories
    memberships = {"memberships__user": user}
    if write:
        memberships["memberships__role"] = Role.TEAM
    return territories.filter(**memberships).distinct()


def territory_ids_for_request(request, *, write: bool = False) -> frozenset[int]:
    """The ids of territories_for_user(), computed once per request (the admin asks many times)."""
    attribute = "_pacte_writable_ids" if write else "_pacte_readable_ids"
    if not hasattr(request, attribute):
        ids = frozenset(territories_for_user(request.user, write=write).values_list("pk", flat=True))
        setattr(request, attribute, ids)
    return getattr(request, attribute)


def _roles(request) -> dict:
    """The user's role in each territory looked at during this request (None: no access), so that the access
    helpers of one request read the territory and the membership once."""
    if not hasattr(request, "_pacte_roles"):
        request._pacte_roles = {}
    return request._pacte_roles


def _effective_role(role, archived_at):
    """An archived territory is read-only for everyone, its team and ANCT included (ANCT restores it first)."""
    if role == Role.TEAM and archived_at is not None:
        return Role.VIEWER
    return role


def _role_annotation(user):
    from pacte.accounts.models import TerritoryMembership

    if not user.is_authenticated:
        return Value(None, output_field=CharField())
    if user.is_superuser:
        return Value(Role.TEAM, output_field=CharField())
    return Subquery(TerritoryMembership.objects.filter(territory=OuterRef("pk"), user=user).values("role")[:1])


def get_territory_for_user(request, slug: str, *, write: bool = False) -> Territory:
    """The territory if the user is one of its team (404 if unknown, 403 if not theirs; with write=True, 403 also
    for a read-only member and for an archived territory). One query: the territory and the user's role in it."""
    territory = get_object_or_404(Territory.objects.annotate(user_role=_role_annotation(request.user)), slug=slug)
    _roles(request)[territory.pk] = _effective_role(territory.user_role, territory.archived_at)
    if territory.user_role is None or (write and _roles(request)[territory.pk] != Role.TEAM):
        raise PermissionDenied
    return territory


def user_can_write(request, territory) -> bool:
    """Whether the user may change this territory's data (its team), for showing or hiding edit controls."""
    roles = _roles(request)
    if territory.pk not in roles:
        found = (
            Territory.objects.filter(pk=territory.pk)
            .annotate(user_role=_role_annotation(request.user))
            .values_list("user_role", "archived_at")
            .first()
        )
        roles[territory.pk] = None if found is None else _effective_role(*found)
    return roles[territory.pk] == Role.TEAM


def get_public_territory(request, slug: str, *, withdrawn_notice: bool = False) -> Territory:
    """A territory whose pact is published and that is not archived; its own team may also preview a draft (or
    read an archived territory's page). `withdrawn_notice`: a withdrawn pact's page stays public to show why."""
    territory = get_object_or_404(Territory.objects.select_related("pact"), slug=slug)
    pact = getattr(territory, "pact", None)
    if pact is None:  # a territory without a pact has no page yet
        raise Http404
    if (pact.is_public or (withdrawn_notice and pact.is_withdrawn)) and territory.archived_at is None:
        return territory
    if territories_for_user(request.user).filter(pk=territory.pk).exists():
        return territory
    raise Http404


def companies_for_user(user):
    """Companies a user represents (a company representative signs in by link)."""
    from pacte.companies.models import Company

    if not user.is_authenticated:
        return Company.objects.none()
    return Company.objects.filter(representatives__user=user)


def get_company_for_user(request, pk: int):
    """The company if the user represents it, or is of its territory's team (404 if unknown, 403 otherwise)."""
    from pacte.companies.models import Company

    company = get_object_or_404(Company.objects.select_related("territory"), pk=pk)
    if companies_for_user(request.user).filter(pk=company.pk).exists():
        return company
    if territories_for_user(request.user, write=True).filter(pk=company.territory_id).exists():
        return company
    raise PermissionDenied
