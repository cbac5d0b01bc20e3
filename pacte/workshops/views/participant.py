"""The participants' pages: no account, an unguessable token in the link and a cookie per workshop.

Every form is a plain POST answered by a redirect to the block's anchor; with HTMX (`request.htmx`) the same
view answers with the block's partial only. The rules are the services'.
"""

import datetime

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from pacte.commitments.models import Commitment
from pacte.core.throttle import client_address

from ..decisions import participant_decisions
from ..forms_participant import IdeaForm, JoinForm, ReactionForm, new_client_key
from ..models import (
    COMMITMENT_QUESTIONS,
    GovernanceQuestion,
    Participant,
    Reaction,
    ReactionKind,
    Workshop,
    WorkshopKind,
)
from ..services import (
    WorkshopError,
    WorkshopThrottled,
    idea_record,
    join_remember,
    join_throttle,
    participant_join,
    reaction_record,
)

COOKIE_MAX_AGE = int(datetime.timedelta(days=30).total_seconds())


def cookie_name(workshop: Workshop) -> str:
    return f"atelier_{workshop.pk}"


def _set_cookie(response, participant: Participant, *, secure: bool = False) -> None:
    response.set_cookie(
        cookie_name(participant.workshop),
        participant.token,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=secure,  # over HTTPS the cookie never travels in clear; the demo runs on plain http
    )


def _workshop(token: str) -> Workshop:
    return get_object_or_404(Workshop.objects.select_related("territory"), token=token)


def _participant(request, workshop: Workshop) -> Participant | None:
    """The participant of this workshop named by the cookie; a token of another workshop is ignored."""
    token = request.COOKIES.get(cookie_name(workshop), "")
    if not token:
        return None
    participant = (
        Participant.objects.select_related("contact__stakeholder")
        .filter(workshop=workshop, token=token, on_paper=False)
        .first()
    )
    if participant is not None:
        participant.workshop = workshop  # the services read participant.workshop: no extra query
    return participant


def _writer(request, token: str) -> tuple[Workshop, Participant | None]:
    """The workshop and the participant of a write, in ONE query when the phone has a valid cookie.

    The cookie's name holds the workshop's pk, unknown before the workshop is read: every workshop cookie of the
    request is a candidate, and the participant's own workshop must be the one whose cookie named it.
    """
    candidates = [value for name, value in request.COOKIES.items() if name.startswith("atelier_") and value]
    if candidates:
        for participant in Participant.objects.select_related("workshop__territory").filter(
            workshop__token=token, token__in=candidates[:20], on_paper=False
        ):
            if request.COOKIES.get(cookie_name(participant.workshop)) == participant.token:
                return participant.workshop, participant
    return _workshop(token), None


def _ordered_commitments(workshop: Workshop) -> list[Commitment]:
    """The territory's commitments in the board's order, with only what a write needs (its number): 1 query."""
    return list(
        Commitment.objects.for_territory(workshop.territory)
        .only("pk", "territory_id", "theme_id", "order")
        .order_by("theme__order", "theme__pk", "order", "pk")
    )


def _numbered(workshop: Workshop, commitment_pk) -> Commitment:
    """A commitment of the workshop's territory with its number on the board (404 otherwise): 1 query."""
    for number, commitment in enumerate(_ordered_commitments(workshop), 1):
        if str(commitment.pk) == str(commitment_pk):
            commitment.number = number
            return commitment
    raise Http404


def _commitments(workshop: Workshop) -> list[Commitment]:
    """The territory's commitments in the order of the board and of the handout, numbered from 1."""
    commitments = list(
        Commitment.objects.for_territory(workshop.territory)
        .select_related("theme")
        .prefetch_related("company_actions", "territory_actions")
        .order_by("theme__order", "theme__pk", "order", "pk")
    )
    for number, commitment in enumerate(commitments, 1):
        commitment.number = number
    return commitments


def _forbidden(request, workshop: Workshop):
    """No valid cookie: a 403 in French that sends back to the workshop's page (HTMX reloads the page)."""
    response = render(
        request,
        "workshops/participant_forbidden.html",
        {"workshop": workshop},
        status=403,
    )
    if request.htmx:
        response["HX-Refresh"] = "true"
    return response


# --- the workshop's page ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def workshop_page(request, token):
    workshop = _workshop(token)
    participant = _participant(request, workshop)
    join_form = JoinForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if participant is not None:  # a second tap on "Commencer": already in
            return redirect("workshops:join", workshop.token)
        if join_form.is_valid():
            address = client_address(request)
            try:
                if workshop.accepts_contributions:  # a closed workshop refuses below, without counting
                    join_throttle(workshop=workshop, address=address)  # Throttled: the French 429 page
                participant = participant_join(workshop=workshop, name=join_form.cleaned_data["name"])
            except WorkshopError as refusal:
                error = str(refusal)
            else:
                join_remember(participant=participant, address=address)
                response = redirect("workshops:join", workshop.token)
                _set_cookie(response, participant, secure=request.is_secure())
                return response
    context = {
        "workshop": workshop,
        "participant": participant,
        "join_form": join_form,
        "error": error,
        "questions": _questions(workshop),
    }
    if participant is not None and workshop.accepts_contributions:
        context.update(_page_context(workshop, participant, request.GET.get("ok", "")))
        if any(block.get("reaction") and block["reaction"].resolution_id for block in context["blocks"]):
            context["decisions"] = participant_decisions(participant)  # decided while the workshop is open
    elif participant is not None:  # closed or not open yet: no form, the decisions taken on what was said
        context["decisions"] = participant_decisions(participant)
    return render(request, "workshops/participant.html", context, status=409 if error else 200)


def _questions(workshop: Workshop) -> list:
    """The source's questions of the workshop, shown to every participant."""
    if workshop.kind == WorkshopKind.COMMITMENTS:
        return COMMITMENT_QUESTIONS
    return [label for _value, label in GovernanceQuestion.choices]


def _page_context(workshop: Workshop, participant: Participant, done: str) -> dict:
    ideas = list(participant.ideas.order_by("created_at", "pk"))
    if workshop.kind == WorkshopKind.COMMITMENTS:
        reactions = {r.commitment_id: r for r in Reaction.objects.filter(participant=participant)}
        blocks = [
            _commitment_block(
                workshop,
                participant,
                commitment,
                reaction=reactions.get(commitment.pk),
                ideas=[i for i in ideas if i.commitment_id == commitment.pk],
                done=done == f"r{commitment.pk}",
                idea_done=done == f"i{commitment.pk}",
            )
            for commitment in _commitments(workshop)
        ]
        return {"blocks": blocks}
    blocks = [
        _question_block(
            workshop, value, label, ideas=[i for i in ideas if i.question == value], idea_done=done == f"i{value}"
        )
        for value, label in GovernanceQuestion.choices
    ]
    return {"blocks": blocks}


def _commitment_block(
    workshop,
    participant,
    commitment,
    *,
    reaction=None,
    ideas=(),
    done=False,
    idea_done=False,
    kind=None,
    comment=None,
    **extra,
) -> dict:
    """What the block of one commitment shows: its text, the participant's reaction form and post-its."""
    return {
        "workshop": workshop,
        "commitment": commitment,
        "reaction": reaction,
        "kind": kind if kind is not None else (reaction.kind if reaction else ""),
        "comment": comment if comment is not None else (reaction.comment if reaction else ""),
        "kinds": ReactionKind.choices,
        "ideas": list(ideas),
        "client_key": new_client_key(),
        "idea_text": "",
        "done": done,
        "idea_done": idea_done,
        "open": done or idea_done,
        **extra,
    }


def _question_block(workshop, value, label, *, ideas=(), idea_done=False, **extra) -> dict:
    return {
        "workshop": workshop,
        "question": value,
        "label": label,
        "ideas": list(ideas),
        "client_key": new_client_key(),
        "idea_text": "",
        "idea_done": idea_done,
        **extra,
    }


@require_http_methods(["GET"])
def personal_link(request, token):
    """An invitation from the tracking file: the personal link names the participant, then the workshop's page."""
    participant = get_object_or_404(Participant.objects.select_related("workshop"), token=token, on_paper=False)
    response = redirect("workshops:join", participant.workshop.token)
    _set_cookie(response, participant, secure=request.is_secure())
    return response


# --- writes ------------------------------------------------------------------------------------------------------


def _anchor_redirect(workshop: Workshop, anchor: str, ok: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse('workshops:join', args=[workshop.token])}?ok={ok}#{anchor}")


def _status_for(refusal: WorkshopError) -> int:
    return 429 if isinstance(refusal, WorkshopThrottled) else 409


@require_POST
def react(request, token, commitment_pk):
    """A reaction. With HTMX: participant (with workshop and territory), commitments' order, rate limit, upsert:
    4 queries, whatever the number of participants, reactions and post-its."""
    workshop, participant = _writer(request, token)  # 1 query
    if participant is None:
        return _forbidden(request, workshop)
    commitment = _numbered(workshop, commitment_pk)  # 1 query
    form = ReactionForm(request.POST)
    error, status, reaction, comment_error = "", 200, None, ""
    if not form.is_valid():
        error, status = " ".join(e for errors in form.errors.values() for e in errors), 400
        comment_error = " ".join(form.errors.get("comment", []))
    else:
        try:
            reaction = reaction_record(  # 2 queries: the rate limit, the upsert
                participant=participant,
                commitment=commitment,
                kind=form.cleaned_data["kind"],
                comment=form.cleaned_data["comment"],
            )
        except WorkshopError as refusal:
            error, status = str(refusal), _status_for(refusal)
    if not request.htmx and not error:
        return _anchor_redirect(workshop, f"engagement-{commitment.pk}", f"r{commitment.pk}")
    if reaction is None:
        reaction = Reaction.objects.filter(participant=participant, commitment=commitment).first()
    block = _commitment_block(
        workshop,
        participant,
        commitment,
        reaction=reaction,
        done=not error,
        kind=request.POST.get("kind", "") if error else None,
        comment=request.POST.get("comment", "") if error else None,
        reaction_error=error,
        comment_error=comment_error,
    )
    block["open"] = True
    if request.htmx:  # the reaction form and the badge only: the post-its are not shown again
        return render(request, "workshops/_participant_reaction.html", {"block": block, "oob": True}, status=status)
    return _page_with_error(request, workshop, participant, block, status)


@require_POST
def post_it(request, token):
    """A post-it. With HTMX: participant (with workshop and territory), commitment, rate limit, insert, the
    participant's post-its of the block: 5 queries, whatever the number of participants and post-its."""
    workshop, participant = _writer(request, token)  # 1 query
    if participant is None:
        return _forbidden(request, workshop)
    form = IdeaForm(request.POST, workshop=workshop)
    commitment, question = None, ""
    if workshop.kind == WorkshopKind.COMMITMENTS:
        commitment_pk = request.POST.get("commitment", "")
        if not commitment_pk.isdigit():
            raise Http404
        commitment = get_object_or_404(  # 1 query
            Commitment.objects.for_territory(workshop.territory).only("pk", "territory_id"), pk=commitment_pk
        )
    else:
        question = request.POST.get("question", "")
        if question not in GovernanceQuestion.values:
            raise Http404
    error, status = "", 200
    if not form.is_valid():
        error, status = " ".join(e for errors in form.errors.values() for e in errors), 400
    else:
        try:
            idea_record(  # 2 queries: the rate limit, the insert (nothing if the key is already stored)
                workshop=workshop,
                participant=participant,
                commitment=commitment,
                question=question,
                text=form.cleaned_data["text"],
                client_key=form.cleaned_data["client_key"],
            )
        except WorkshopError as refusal:
            error, status = str(refusal), _status_for(refusal)
    if commitment is not None:
        anchor, ok = f"engagement-{commitment.pk}", f"i{commitment.pk}"
    else:
        anchor, ok = f"question-{question}", f"i{question}"
    if not request.htmx and not error:
        return _anchor_redirect(workshop, anchor, ok)
    extra = {"idea_error": error, "idea_done": not error}
    if commitment is not None:
        ideas = participant.ideas.filter(commitment=commitment).order_by("created_at", "pk")  # 1 query
        reaction = None
        if not request.htmx:  # the whole page is shown again, the reaction form with it
            commitment = _numbered(workshop, commitment.pk)
            reaction = Reaction.objects.filter(participant=participant, commitment=commitment).first()
        block = _commitment_block(workshop, participant, commitment, reaction=reaction, ideas=ideas, **extra)
        block["open"] = True
        template = "workshops/_participant_postits.html"
    else:
        ideas = participant.ideas.filter(question=question).order_by("created_at", "pk")
        block = _question_block(workshop, question, GovernanceQuestion(question).label, ideas=ideas, **extra)
        template = "workshops/_participant_question.html"
    if error:  # the same key again: resending the corrected post-it still adds it once
        block["client_key"] = form.data.get("client_key", "")[:64] or block["client_key"]
        block["idea_text"] = form.data.get("text", "")
    if request.htmx:  # with the message for the page's live region, outside the replaced block
        return render(request, template, {"block": block, "oob": True}, status=status)
    return _page_with_error(request, workshop, participant, block, status)


def _page_with_error(request, workshop, participant, failed_block, status):
    """Without JavaScript, a refusal shows the whole page again, the refused block with its message."""
    context = {
        "workshop": workshop,
        "participant": participant,
        "join_form": JoinForm(),
        "error": "",
        "questions": _questions(workshop),
    }
    context.update(_page_context(workshop, participant, ""))
    key = "commitment" if "commitment" in failed_block else "question"
    blocks = [failed_block if block.get(key) == failed_block[key] else block for block in context["blocks"]]
    if failed_block not in blocks:  # e.g. a reaction sent to workshop #2: the message goes on top of the page
        context["error"] = failed_block.get("reaction_error") or failed_block.get("idea_error", "")
    context["blocks"] = blocks
    return render(request, "workshops/participant.html", context, status=status)
