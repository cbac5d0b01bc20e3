"""Pages of the stakeholder tracking file (step 1): the table, a contact, import with preview, export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pacte.core.access import get_territory_for_user, user_can_write

from .forms import ContactForm, ImportUploadForm
from .models import Contact, Stakeholder, TrackingFileImport
from .services import (
    ImportRefused,
    contact_save,
    stakeholders_without_contact,
    tracking_file_contacts,
    tracking_file_facets,
    tracking_file_filters,
    tracking_file_import_confirm,
    tracking_file_import_create,
    tracking_file_import_plan,
    tracking_file_import_recent,
)
from .tracking_file import TrackingFileError, tracking_file_blank, tracking_file_export

PAGE_SIZE = 100
PREVIEW_LIMIT = 200  # rows shown per list of the preview (the counts are always whole)
ORPHANS_LIMIT = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = [  # (header, ?tri= key)
    (gettext_lazy("Typologie"), "typologie"),
    (gettext_lazy("Entité"), "entite"),
    (gettext_lazy("Nom"), "nom"),
    (gettext_lazy("Prénom"), "prenom"),
    (gettext_lazy("Priorité"), "priorite"),
    (gettext_lazy("Qui contacte ?"), "qui"),
    (gettext_lazy("Statut"), "statut"),
    (gettext_lazy("Dernier échange"), "date"),
    (gettext_lazy("Courriel"), "courriel"),
    (gettext_lazy("Téléphone"), "telephone"),
]


@login_required
def tracking_file(request, slug):
    territory = get_territory_for_user(request, slug)
    filters = tracking_file_filters(request.GET)
    contacts, sort = tracking_file_contacts(territory=territory, filters=filters, sort=request.GET.get("tri", ""))
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    headers = []
    for label, key in COLUMNS:
        next_sort = f"-{key}" if sort == key else key
        direction = "ascending" if sort == key else "descending" if sort == f"-{key}" else ""
        headers.append({"label": label, "query": urlencode({**filters, "tri": next_sort}), "direction": direction})
    orphans = list(
        stakeholders_without_contact(territory=territory, category=filters.get("category", ""))[: ORPHANS_LIMIT + 1]
    )
    return render(
        request,
        "stakeholders/tracking_file.html",
        {
            "territory": territory,
            "can_write": user_can_write(request, territory),
            "page": page,
            "headers": headers,
            "facets": tracking_file_facets(territory=territory, filters=filters),
            "filters": filters,
            "page_query": urlencode({**filters, "tri": sort}),
            "orphans": orphans[:ORPHANS_LIMIT],
            "more_orphans": len(orphans) > ORPHANS_LIMIT,
        },
    )


def _contact_form_page(request, territory, contact):
    initial = {}
    if contact is not None:
        initial = {
            "stakeholder_name": contact.stakeholder.name,
            "category": contact.stakeholder.category,
            **{name: getattr(contact, name) for name in ContactForm.base_fields if hasattr(contact, name)},
        }
    elif request.GET.get("entite"):
        initial = {"stakeholder_name": request.GET["entite"]}
    form = ContactForm(request.POST or None, initial=initial, territory=territory)
    if request.method == "POST" and form.is_valid():
        saved = contact_save(
            territory=territory,
            contact=contact,
            stakeholder_name=form.cleaned_data["stakeholder_name"],
            category=form.cleaned_data["category"],
            values=form.values,
        )
        if contact is None:
            messages.success(request, _("Le contact « %(c)s » a été ajouté.") % {"c": saved})
        else:
            messages.success(request, _("Le contact « %(c)s » a été modifié.") % {"c": saved})
        return redirect("stakeholders:tracking_file", slug=territory.slug)
    names = Stakeholder.objects.for_territory(territory).order_by("name").values_list("name", flat=True)
    return render(
        request,
        "stakeholders/contact_form.html",
        {"territory": territory, "form": form, "contact": contact, "stakeholder_names": names},
    )


@login_required
def contact_create(request, slug):
    territory = get_territory_for_user(request, slug, write=True)
    return _contact_form_page(request, territory, None)


@login_required
def contact_update(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=True)
    contact = get_object_or_404(Contact.objects.for_territory(territory).select_related("stakeholder"), pk=pk)
    return _contact_form_page(request, territory, contact)


@login_required
def import_upload(request, slug):
    territory = get_territory_for_user(request, slug, write=True)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            tracking_import = tracking_file_import_create(
                territory=territory, filename=upload.name, content=upload.read(), uploaded_by=request.user
            )
        except TrackingFileError as error:  # unreadable, or beyond a limit: said on the form, nothing written
            form.add_error("file", str(error))
        else:
            return redirect("stakeholders:import_preview", slug=territory.slug, pk=tracking_import.pk)
    return render(
        request,
        "stakeholders/import_upload.html",
        {"territory": territory, "form": form, "imports": tracking_file_import_recent(territory=territory)},
    )


@login_required
def import_preview(request, slug, pk):
    """GET: what the import would do, nothing written. POST: the team confirms (merges ticked, refusals)."""
    territory = get_territory_for_user(request, slug, write=request.method == "POST")
    tracking_import = get_object_or_404(
        # The file itself is not loaded: its rows were kept when it was read at upload.
        TrackingFileImport.objects.for_territory(territory).select_related("territory", "uploaded_by").defer("content"),
        pk=pk,
    )
    confirmed_merges = None
    if request.method == "POST":
        confirmed_merges = set(request.POST.getlist("merge"))
        try:
            plan = tracking_file_import_confirm(
                tracking_import=tracking_import,
                confirmed_merges=confirmed_merges,
                ignore_refused=request.POST.get("ignore_refused") == "on",
                actor=request.user,
            )
        except ImportRefused as error:
            messages.error(request, str(error))
            tracking_import.refresh_from_db()
        else:
            messages.success(request, plan.summary)
            return redirect("stakeholders:tracking_file", slug=territory.slug)
    plan, error = None, ""
    if tracking_import.imported_at is None:
        try:
            plan = tracking_file_import_plan(tracking_import=tracking_import, confirmed_merges=confirmed_merges)
        except TrackingFileError as exc:
            error = str(exc)
    return render(
        request,
        "stakeholders/import_preview.html",
        {
            "territory": territory,
            "can_write": user_can_write(request, territory),
            "tracking_import": tracking_import,
            "plan": plan,
            "error": error,
            "limit": PREVIEW_LIMIT,
        },
    )


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def export(request, slug):
    territory = get_territory_for_user(request, slug)
    contacts = (
        Contact.objects.for_territory(territory)
        .select_related("stakeholder")
        .order_by("stakeholder__category", "stakeholder__name", "order", "pk")
    )
    today = timezone.localdate().isoformat()
    return _xlsx(tracking_file_export(contacts=contacts), f"fichier-de-suivi-{territory.slug}-{today}.xlsx")


@login_required
def import_model(request, slug):
    get_territory_for_user(request, slug)
    return _xlsx(tracking_file_blank(), "modele-fichier-de-suivi.xlsx")
