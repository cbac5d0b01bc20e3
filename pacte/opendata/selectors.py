"""What open data and the API may read: published, not archived, never a draft.

A territory is public when its pact is published (not a draft, not validated-but-unpublished, not withdrawn) and the
territory is not archived: the same rule as the public pages (pacte.core.access.get_public_territory). The text of a
pact is always read from its latest frozen version (PactVersion), never from the live models the team edits.
"""

from dataclasses import dataclass

from django.db.models import F, QuerySet

from pacte.publications.models import PactStatus, PactVersion
from pacte.territories.models import Territory


@dataclass(frozen=True)
class Filters:
    """The filters of the API (the full datasets use none). Empty: no filter."""

    region: str = ""
    territory: str = ""  # slug
    year: int | None = None
    indicator: str = ""  # indicator code
    status: str = ""  # land call status


NO_FILTERS = Filters()


def public_territories(filters: Filters = NO_FILTERS) -> QuerySet:
    territories = Territory.objects.filter(pact__status=PactStatus.PUBLISHED, archived_at__isnull=True)
    if filters.region:
        territories = territories.filter(region=filters.region)
    if filters.territory:
        territories = territories.filter(slug=filters.territory)
    return territories


def territory_filter(filters: Filters, prefix: str = "territory__") -> dict:
    """The filter of a territory-owned queryset: rows of public territories only, then region and territory."""
    lookups = {f"{prefix}pact__status": PactStatus.PUBLISHED, f"{prefix}archived_at__isnull": True}
    if filters.region:
        lookups[f"{prefix}region"] = filters.region
    if filters.territory:
        lookups[f"{prefix}slug"] = filters.territory
    return lookups


def published_versions(filters: Filters = NO_FILTERS) -> QuerySet:
    """The version of each public pact that citizens read: its latest published one (pact.version)."""
    return (
        PactVersion.objects.filter(**territory_filter(filters), number=F("territory__pact__version"))
        .select_related("territory")
        .order_by("territory__name", "territory_id")
    )


def published_state() -> str:
    """A signature of what is published (territories, their pact version and state): changes with a publication,
    a withdrawal, an archiving or a restoration. 1 query."""
    rows = Territory.objects.filter(pact__status=PactStatus.PUBLISHED, archived_at__isnull=True).values_list(
        "pk", "slug", "pact__version", "pact__published_on"
    )
    return ";".join(f"{pk}.{slug}.{v}.{d}" for pk, slug, v, d in rows.order_by("pk"))
