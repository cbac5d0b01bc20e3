"""The versions of the reciprocal commitments: the list, freezing the next one, one version's text, a diff of two."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pacte.core.access import get_territory_for_user, user_can_write
from pacte.core.models import lines

from .forms import DEFAULT_LABEL, FIRST_LABEL, VersionCompareForm, VersionFreezeForm
from .models import CommitmentsVersion
from .services import commitments_diff, commitments_snapshot, commitments_unfrozen, commitments_version_freeze

LIVE = 0  # the number that stands for the live text, not frozen yet


def _versions_page(request, territory, freeze_form=None):
    versions = list(
        CommitmentsVersion.objects.for_territory(territory)
        .select_related("created_by")
        .defer("content")
        .order_by("number")
    )  # 1 query
    unfrozen = commitments_unfrozen(territory=territory)  # 5 queries
    if freeze_form is None:
        freeze_form = VersionFreezeForm(initial={"label": DEFAULT_LABEL if versions else FIRST_LABEL})
    if len(versions) >= 2:
        initial = {"old": versions[-2].number, "new": versions[-1].number}
    else:
        initial = {"old": versions[-1].number if versions else LIVE, "new": LIVE}
    return render(
        request,
        "commitments/versions.html",
        {
            "territory": territory,
            "versions": [(v, lines(v.changelog)) for v in reversed(versions)],
            "unfrozen": unfrozen,
            "pending_changes": lines(unfrozen.changelog),
            "freeze_form": freeze_form,
            "compare_form": VersionCompareForm(initial=initial, versions=versions),
            "can_write": user_can_write(request, territory),
        },
    )


@login_required
def versions(request, slug):
    territory = get_territory_for_user(request, slug)
    if "old" in request.GET or "new" in request.GET:  # the compare form: to the diff page
        numbers = CommitmentsVersion.objects.for_territory(territory).values_list("number", flat=True)
        form = VersionCompareForm(request.GET, versions=[CommitmentsVersion(number=n, label="") for n in numbers])
        if form.is_valid() and form.cleaned_data["old"] == form.cleaned_data["new"]:
            messages.error(request, _("Choisissez deux versions différentes à comparer."))
        elif form.is_valid():
            return redirect(
                "commitments:version_diff", territory.slug, form.cleaned_data["old"], form.cleaned_data["new"]
            )
        else:
            messages.error(request, _("Choisissez deux versions à comparer."))
    return _versions_page(request, territory)


@login_required
@require_POST
def version_freeze(request, slug):
    territory = get_territory_for_user(request, slug, write=True)
    form = VersionFreezeForm(request.POST)
    if not form.is_valid():
        return _versions_page(request, territory, freeze_form=form)
    unfrozen = commitments_unfrozen(territory=territory)
    if not unfrozen.changed:
        messages.info(
            request,
            _("Aucun changement depuis la version %(n)s : aucune nouvelle version n'a été figée.")
            % {"n": unfrozen.last.number},
        )
        return redirect("commitments:versions", territory.slug)
    version = commitments_version_freeze(territory=territory, label=form.cleaned_data["label"], actor=request.user)
    messages.success(request, _("Version %(n)s figée : %(label)s.") % {"n": version.number, "label": version.label})
    return redirect("commitments:versions", territory.slug)


def _version(territory, number: int) -> tuple[str, list[dict], CommitmentsVersion | None]:
    """(label, content, version) of a frozen version, or of the live text for number 0; 404 if unknown."""
    if number == LIVE:
        return _("Texte actuel (non figé)"), commitments_snapshot(territory=territory), None
    version = get_object_or_404(
        CommitmentsVersion.objects.for_territory(territory).select_related("created_by"), number=number
    )
    return f"v{version.number} — {version.label}", version.content, version


@login_required
def version_detail(request, slug, number):
    territory = get_territory_for_user(request, slug)
    label, content, version = _version(territory, number)
    return render(
        request,
        "commitments/version_detail.html",
        {
            "territory": territory,
            "label": label,
            "content": content,
            "version": version,
            "changelog": lines(version.changelog) if version else [],
            "commitment_count": sum(len(theme["commitments"]) for theme in content),
        },
    )


@login_required
def version_diff(request, slug, old, new):
    territory = get_territory_for_user(request, slug)
    old_label, old_content, _old = _version(territory, old)
    new_label, new_content, _new = _version(territory, new)
    diffs = commitments_diff(old_content, new_content)
    unchanged = [d for d in diffs if d.status == "same"]
    return render(
        request,
        "commitments/version_diff.html",
        {
            "territory": territory,
            "old_label": old_label,
            "new_label": new_label,
            "changed": [d for d in diffs if d.status != "same"],
            "unchanged": unchanged,
            "unchanged_label": (
                _("%(n)s engagements inchangés") if len(unchanged) > 1 else _("%(n)s engagement inchangé")
            )
            % {"n": len(unchanged)},
        },
    )
