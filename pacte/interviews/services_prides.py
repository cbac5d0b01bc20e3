"""Local prides (step 1): the panel check the source recommends, and the writes.

Source, "Identifier les fleurons industriels locaux": choose a panel of companies from the start-up
through the PME and the ETI to the large group; pick very visual objects; an emblematic object is not
necessarily innovative. The team sees at once what its panel lacks.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max

from pacte.interviews.models import Pride, PrideKind, SizeClass


@dataclass
class PridePanel:
    """What a territory's prides cover: size classes from start-up to large group, and both kinds."""

    total: int
    by_class: list[tuple[str, int]]  # (label, count) for every size class, in the source's order
    missing_classes: list[str] = field(default_factory=list)  # labels of the size classes nobody represents
    unknown_count: int = 0  # prides whose company size is not filled in
    missing_kinds: list[str] = field(default_factory=list)  # the kinds (PrideKind values) with no pride

    @property
    def spans_all_sizes(self) -> bool:
        return not self.missing_classes


def pride_panel(prides) -> PridePanel:
    """The panel check of an already read list of prides (no query)."""
    prides = list(prides)
    counts = {size: 0 for size in SizeClass}
    unknown = 0
    for pride in prides:
        if pride.size_class in counts:
            counts[pride.size_class] += 1
        else:
            unknown += 1
    kinds = {pride.kind for pride in prides}
    return PridePanel(
        total=len(prides),
        by_class=[(size.label, count) for size, count in counts.items()],
        missing_classes=[size.label for size, count in counts.items() if not count],
        unknown_count=unknown,
        missing_kinds=[kind.value for kind in PrideKind if kind not in kinds],
    )


def _delete_file_after_commit(storage, name: str) -> None:
    """Remove a stored file once the change that stopped pointing to it is committed (never on rollback)."""
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def pride_create(
    *,
    territory,
    kind: str,
    product: str,
    company: str,
    place: str = "",
    size_class: str = "",
    image=None,
) -> Pride:
    """A new pride, placed after the territory's others; `image` is an upload already validated."""
    last = Pride.objects.for_territory(territory).aggregate(last=Max("order"))["last"]
    pride = Pride(
        territory=territory,
        order=0 if last is None else last + 1,
        kind=kind,
        product=product,
        company=company,
        place=place,
        size_class=size_class,
    )
    if image:
        pride.image = image
    pride.save()
    return pride


@transaction.atomic
def pride_update(
    *,
    pride: Pride,
    kind: str,
    product: str,
    company: str,
    place: str = "",
    size_class: str = "",
    image=None,
    remove_image: bool = False,
) -> Pride:
    """Change a pride; a new image replaces the old one, `remove_image` clears it. The old file is deleted."""
    pride.kind, pride.product, pride.company = kind, product, company
    pride.place, pride.size_class = place, size_class
    old_image = pride.image.name
    if image:
        pride.image = image
    elif remove_image:
        pride.image = ""
    pride.save()
    if pride.image.name != old_image:
        _delete_file_after_commit(pride.image.storage, old_image)
    return pride


@transaction.atomic
def pride_delete(*, pride: Pride) -> None:
    _delete_file_after_commit(pride.image.storage, pride.image.name)
    pride.delete()
