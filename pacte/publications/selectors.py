"""Which text of the pact a request reads: a frozen published version, or (for its team) the live draft."""

from django.http import Http404

from pacte.core.access import territory_ids_for_request

from .document import pact_document
from .models import PactVersion


def refuse_if_withdrawn(request, territory) -> None:
    """A pact withdrawn from publication serves no document to the public (404); its team still reads them."""
    if territory.pact.is_withdrawn and territory.pk not in territory_ids_for_request(request):
        raise Http404


def version_for_request(request, territory, *, with_content: bool = True) -> PactVersion | None:
    """The published version this request reads, or None for the live text (its team's preview).

    - `?version=N`: published version N (404 if there is none);
    - `?apercu=1`, or no version published yet: the live text, for the territory's own team only (404 otherwise);
    - otherwise: the latest published version, frozen as it was published.

    `with_content=False` leaves the frozen document unread until it is used (serving a stored file needs none).
    """
    versions = PactVersion.objects.for_territory(territory)
    if not with_content:
        versions = versions.defer("content", "changes")
    wanted = request.GET.get("version", "")
    if wanted:
        if not wanted.isdigit():
            raise Http404
        version = versions.filter(number=int(wanted)).first()
        if version is None:
            raise Http404
        return version
    latest = versions.order_by("-number").first()
    pact = territory.pact
    if latest is None and pact.is_public and pact.version:
        # Published before versions were frozen: its current text becomes that version, once.
        from .services import pact_version_freeze

        latest = pact_version_freeze(pact=pact)
    if latest is not None and request.GET.get("apercu") != "1":
        return latest
    if territory.pk not in territory_ids_for_request(request):  # computed once per request
        raise Http404
    return None


def document_for_request(request, territory) -> tuple[dict, PactVersion | None]:
    """The document shown to this request, and the version it comes from (None for the live text)."""
    version = version_for_request(request, territory)
    if version is None:
        return pact_document(territory), None
    return version.content, version
