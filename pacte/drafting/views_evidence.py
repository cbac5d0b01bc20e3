"""The material gathered for a theme (interview ideas, findings, post-its), each usable to write its commitments, and
the evidence trail of a commitment. The team writes; a read-only member reads; any other user gets 403/404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pacte.commitments.models import Commitment, Theme
from pacte.core.access import get_territory_for_user, user_can_write
from pacte.interviews.models import IdeaSide

from . import evidence
from .forms_evidence import ActionAmendForm, ActionCreateForm, LinkForm
from .models import EvidenceKind, EvidenceLink
from .services import StaleEdit, fingerprint


def _theme(territory, theme_pk) -> Theme:
    return get_object_or_404(Theme.objects.for_territory(territory), pk=theme_pk)


def _source(territory, segment, pk):
    kind = evidence.SEGMENT_KINDS.get(segment)
    if kind is None:
        raise Http404
    try:
        return kind, evidence.source_get(territory=territory, kind=kind, pk=pk)
    except evidence.SOURCE_MODELS[kind].DoesNotExist:
        raise Http404 from None


def _theme_url(territory, theme, anchor="") -> str:
    url = reverse("drafting_evidence:theme", args=[territory.slug, theme.pk])
    return f"{url}#{anchor}" if anchor else url


@login_required
def theme(request, slug, theme_pk):
    territory = get_territory_for_user(request, slug)
    theme = _theme(territory, theme_pk)
    return render(
        request,
        "drafting/evidence/theme.html",
        {
            "territory": territory,
            "theme": theme,
            "can_write": user_can_write(request, territory),
            **evidence.theme_sources(territory=territory, theme=theme),
        },
    )


def _initial_commitment(kind, source, links, commitments):
    """The commitment a form starts on: the post-it's own, the one the source is linked to, or the only one."""
    ids = {c.pk for c in commitments}
    if kind == EvidenceKind.POSTIT and source.commitment_id in ids:
        return source.commitment_id
    for link in links:
        if link.commitment_id in ids:
            return link.commitment_id
    return commitments[0].pk if len(commitments) == 1 else None


def _forms(kind, source, commitments, links, data=None, mode=None, action=None):
    """The three forms of "utiliser" (only the posted one bound); the amend form only once an action is chosen."""
    queryset = Commitment.objects.filter(pk__in=[c.pk for c in commitments]).order_by("order", "pk")
    commitment = _initial_commitment(kind, source, links, commitments)
    create = ActionCreateForm(
        data if mode == "creer" else None,
        prefix="creer",
        commitments=queryset,
        initial={
            "commitment": commitment,
            "side": source.side if kind == EvidenceKind.IDEA else None,
            "text": source.text,
        },
    )
    link = LinkForm(
        data if mode == "lier" else None, prefix="lier", commitments=queryset, initial={"commitment": commitment}
    )
    amend = None
    if action is not None:
        amend = ActionAmendForm(
            data if mode == "modifier" else None,
            prefix="modifier",
            initial={
                "action": evidence.action_key(action),
                "loaded": fingerprint(action, evidence.ACTION_FIELDS),
                "text": action.text,
            },
        )
    return {"create_form": create, "link_form": link, "amend_form": amend}


@login_required
@require_http_methods(["GET", "POST"])
def use(request, slug, theme_pk, kind, pk):
    """ "Utiliser" on a source: create an action from it, amend an action with it (?action=company-12 chooses which),
    or link it to a commitment without changing any text. Requested by HTMX, only the forms (a fragment)."""
    territory = get_territory_for_user(request, slug, write=request.method == "POST")
    theme = _theme(territory, theme_pk)
    kind, source = _source(territory, kind, pk)
    commitments = evidence.theme_commitments(territory=territory, theme=theme)
    links = list(
        EvidenceLink.objects.for_territory(territory)
        .filter(**{kind: source})
        .select_related("commitment__theme", "company_action", "territory_action")
    )
    can_write = user_can_write(request, territory)
    mode = request.POST.get("mode") if request.method == "POST" else None
    action_key = request.POST.get("modifier-action") if mode == "modifier" else request.GET.get("action")
    action = evidence.action_from_key(commitments=commitments, key=action_key) if action_key else None
    if action_key and action is None:
        raise Http404
    forms = _forms(kind, source, commitments, links, request.POST if mode else None, mode, action)
    stale = None
    if mode is not None:
        try:
            done = _post(request, mode, forms, kind=kind, source=source, action=action)
        except StaleEdit as error:
            stale = error.current
            # The form keeps what this person wrote and now carries the current text's fingerprint: saving again,
            # knowingly, replaces it.
            data = request.POST.copy()
            data["modifier-loaded"] = fingerprint(error.current, evidence.ACTION_FIELDS)
            forms["amend_form"] = ActionAmendForm(data, prefix="modifier")
            forms["amend_form"].is_valid()
            done = None
        except evidence.EvidenceError as error:
            messages.error(request, str(error))
            done = None
        if done:
            messages.success(request, done)
            return redirect(_theme_url(territory, theme, f"source-{evidence.KIND_SEGMENTS[kind]}-{source.pk}"))
    context = {
        "territory": territory,
        "theme": theme,
        "source": evidence.Source(kind, source, links),
        "commitments": commitments,
        "action": action,
        "action_side": evidence.action_side(action) if action is not None else None,
        "can_write": can_write,
        "stale": stale,
        **forms,
    }
    template = "drafting/evidence/_use.html" if request.htmx and mode is None else "drafting/evidence/use.html"
    return render(request, template, context, status=409 if stale is not None else 200)


def _post(request, mode, forms, *, kind, source, action):
    """Validate the posted form and apply it; returns the success message, or None (the form shows its errors)."""
    if mode == "creer":
        form = forms["create_form"]
        if not form.is_valid():
            return None
        data = form.cleaned_data
        evidence.evidence_action_create(
            commitment=data["commitment"],
            side=data["side"],
            text=data["text"],
            kind=kind,
            source=source,
            user=request.user,
        )
        return _("Action créée à partir de la source et liée à l'engagement « %(c)s ».") % {
            "c": data["commitment"].short_title
        }
    if mode == "modifier":
        form = forms["amend_form"]
        if form is None:
            raise Http404
        if not form.is_valid():
            return None
        _action, record, _link = evidence.evidence_action_amend(
            action=action,
            text=form.cleaned_data["text"],
            loaded=form.cleaned_data["loaded"],
            kind=kind,
            source=source,
            user=request.user,
        )
        if record is None:
            return _("Texte de l'action inchangé ; la source est liée à l'engagement « %(c)s ».") % {
                "c": action.commitment.short_title
            }
        return _("Action modifiée avec la source et liée à l'engagement « %(c)s ».") % {
            "c": action.commitment.short_title
        }
    if mode == "lier":
        form = forms["link_form"]
        if not form.is_valid():
            return None
        commitment = form.cleaned_data["commitment"]
        _link, created = evidence.evidence_link(commitment=commitment, kind=kind, source=source, user=request.user)
        if created:
            return _("Source liée à l'engagement « %(c)s », sans modifier son texte.") % {"c": commitment.short_title}
        return _("Cette source était déjà liée à l'engagement « %(c)s ».") % {"c": commitment.short_title}
    raise Http404


@login_required
@require_POST
def unlink(request, slug, theme_pk, link_pk):
    territory = get_territory_for_user(request, slug, write=True)
    theme = _theme(territory, theme_pk)
    link = get_object_or_404(EvidenceLink.objects.for_territory(territory).select_related("commitment"), pk=link_pk)
    kind = link.kind
    source_id = {"idea": link.idea_id, "finding": link.finding_id, "postit": link.postit_id}[kind]
    evidence.evidence_unlink(link=link)
    messages.success(
        request,
        _("La source n'est plus liée à l'engagement « %(c)s » ; ses textes sont inchangés.")
        % {"c": link.commitment.short_title},
    )
    return redirect(_theme_url(territory, theme, f"source-{evidence.KIND_SEGMENTS[kind]}-{source_id}"))


@login_required
@require_GET
def trail(request, slug, commitment_pk):
    territory = get_territory_for_user(request, slug)
    commitment = get_object_or_404(
        Commitment.objects.for_territory(territory).select_related("theme"), pk=commitment_pk
    )
    return render(
        request,
        "drafting/evidence/trail.html",
        {
            "territory": territory,
            "commitment": commitment,
            "summary": evidence.commitment_summary(territory=territory, commitment=commitment),
            "sides": IdeaSide,
            **evidence.commitment_trail(territory=territory, commitment=commitment),
        },
    )
