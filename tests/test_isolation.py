"""Tenant isolation: a user of one territory never reads nor changes another territory's non-public data.

Every back-office URL is covered: the admin models are enumerated from django.contrib.admin.site, so a
model registered tomorrow is tested too. Each refusal has a positive counterpart (the same request by the
territory's own team succeeds), so the tests prove scoping, not "everything refused".
"""

import copy
import datetime

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models.base import ModelState
from django.test import RequestFactory
from django.test.html import parse_html
from django.urls import reverse
from django.utils.html import escape

from pacte.commitments.models import Commitment, Theme
from pacte.core.admin import TerritoryScopedAdmin
from pacte.core.models import TerritoryOwned
from pacte.interviews.models import Interview, InterviewStatus
from pacte.stakeholders.models import Category, Contact, Priority, Stakeholder
from pacte.territories.models import Territory

SCOPED = sorted(
    (
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, TerritoryScopedAdmin)
    ),
    key=lambda pair: pair[0]._meta.label,
)
UNSCOPED = sorted(
    (model for model, model_admin in admin.site._registry.items() if not isinstance(model_admin, TerritoryScopedAdmin)),
    key=lambda model: model._meta.label,
)


def scoped(models_and_admins=SCOPED):
    return pytest.mark.parametrize(
        "model, model_admin", models_and_admins, ids=[model._meta.label for model, _ in models_and_admins]
    )


def test_it_enumerates_the_territory_scoped_back_office():
    labels = {model._meta.label for model, _ in SCOPED}
    assert {"commitments.Commitment", "stakeholders.Contact", "territories.Territory", "publications.Pact"} <= labels
    assert len(labels) >= 15


# --- helpers -----------------------------------------------------------------------------------------------


def admin_url(model, action, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def rows_of(model_admin, territory):
    return model_admin.model._default_manager.filter(**{model_admin.territory_path: territory.pk})


def snapshot(model, pk):
    """The row as stored (None once deleted)."""
    return model._default_manager.filter(pk=pk).values().first()


def clone_to(obj, territory):
    """A copy of a territory-owned row (and of its parents) in another territory."""
    clone = copy.copy(obj)
    clone.pk = clone.id = None
    clone._state = ModelState()
    clone.territory = territory
    for field in _parent_fields(type(obj)):
        parent = getattr(obj, field.name)
        if parent is not None:
            setattr(clone, field.name, clone_to(parent, territory))
    clone.save()
    return clone


def request_as(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.fixture
def contact_a(territory_a):
    stakeholder = Stakeholder.objects.filter(territory=territory_a).first()
    return Contact.objects.create(
        territory=territory_a,
        stakeholder=stakeholder,
        last_name="Martin",
        first_name="Claire",
        email="claire.martin@example.org",
        phone="05 46 00 00 00",
        priority=Priority.HIGH,
        contacted_by="Chef de projet",
    )


@pytest.fixture
def interview_a(contact_a):
    """The reference case records its interviews without their stakeholder; this one has it."""
    return Interview.objects.create(
        territory=contact_a.territory, stakeholder=contact_a.stakeholder, status=InterviewStatus.PLANNED
    )


@pytest.fixture
def row_of_a(territory_a, contact_a, interview_a):
    """A row of territory A for a scoped admin (the reference case has one of each, plus a contact);
    with_parents=True: one whose parents (theme, stakeholder…) are all set."""

    def row(model_admin, *, with_parents=False):
        rows = rows_of(model_admin, territory_a).order_by("pk")
        if with_parents:
            rows = rows.filter(**{f"{f.name}__isnull": False for f in _parent_fields(model_admin.model)})
        obj = rows.first()
        assert obj is not None, f"no {model_admin.model._meta.label} in territory A: add one to the fixture"
        return obj

    return row


def _post_value(field, value):
    if isinstance(field, forms.BooleanField):
        return "on" if value else None
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _form_data(form):
    data = {}
    for bound in form:
        value = _post_value(bound.field, bound.value())
        if value is not None:
            data[bound.html_name] = value
    return data


def _inline_data(model_admin, request, obj, *, with_rows):
    """Management forms (and, for a change, every existing inline row) exactly as the admin expects them."""
    data, prefixes = {}, {}
    for formset_class, inline in model_admin.get_formsets_with_inlines(request, obj if with_rows else None):
        prefix = formset_class.get_default_prefix()
        prefixes[prefix] = prefixes.get(prefix, 0) + 1
        if prefixes[prefix] != 1 or not prefix:
            prefix = f"{prefix}-{prefixes[prefix]}"
        rows = []
        if with_rows:
            formset = formset_class(instance=obj, prefix=prefix, queryset=inline.get_queryset(request))
            rows = formset.initial_forms
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(len(rows)),
                f"{prefix}-INITIAL_FORMS": str(len(rows)),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
        for form in rows:
            data.update(_form_data(form))
    return data


def _mutation(obj):
    """A visible change of the row: its first free text field gets a suffix (else its order moves)."""
    for field in obj._meta.fields:
        if not field.editable or field.choices or isinstance(field, models.EmailField | models.URLField):
            continue
        if isinstance(field, models.SlugField):
            return field.attname, f"{getattr(obj, field.attname)}-bis"
        if isinstance(field, models.CharField | models.TextField):
            return field.attname, f"{getattr(obj, field.attname)} (modifié)".strip()
    return "order", 987_654


def change_payload(model_admin, obj, author):
    """What `author` would post from the change page of obj, with one field changed: (data, field, value)."""
    request = request_as(author)
    form = model_admin.get_form(request, obj, change=True)(instance=obj)
    data = {**_form_data(form), **_inline_data(model_admin, request, obj, with_rows=True)}
    field, value = _mutation(obj)
    data[field] = value
    return data, field, value


def add_payload(model_admin, template, author):
    """What `author` would post from the add page to create a copy of `template` (same territory and parents)."""
    request = request_as(author)
    form = model_admin.get_form(request, None, change=False)(instance=template)
    data = {**_form_data(form), **_inline_data(model_admin, request, None, with_rows=False)}
    field, value = _mutation(template)
    data[field] = value
    return data, field, value


def _parent_fields(model):
    """Foreign keys from the model to territory-owned rows (the parents of its territory check)."""
    return [
        f
        for f in model._meta.fields
        if f.is_relation and f.editable and f.related_model and issubclass(f.related_model, TerritoryOwned)
    ]


def _many_to_many_fields(model):
    """Many-to-many fields to territory-owned rows (e.g. the interviewees of an interview)."""
    return [f for f in model._meta.many_to_many if f.editable and issubclass(f.related_model, TerritoryOwned)]


WRITABLE = [(m, a) for m, a in SCOPED if a.has_change_permission.__func__ is TerritoryScopedAdmin.has_change_permission]
ADDABLE = [(m, a) for m, a in SCOPED if a.has_add_permission.__func__ is TerritoryScopedAdmin.has_add_permission]
NOT_ADDABLE = [(m, a) for m, a in SCOPED if (m, a) not in ADDABLE]
DELETABLE = [
    (m, a) for m, a in WRITABLE if a.has_delete_permission.__func__ is TerritoryScopedAdmin.has_delete_permission
]
WITH_PARENT = [(m, a) for m, a in ADDABLE if _parent_fields(m)]


def test_it_tests_adding_changing_and_deleting_for_most_of_the_back_office():
    assert len(WRITABLE) >= 14
    assert len(ADDABLE) >= 12
    assert len(DELETABLE) >= 12
    assert {m._meta.label for m, _ in WITH_PARENT} >= {"commitments.Commitment", "stakeholders.Contact"}


@scoped()
def test_it_grants_alice_the_permissions_these_tests_expect(alice, row_of_a, model, model_admin):
    """The lists above are read from the admin classes; the admin itself must agree with them."""
    obj, request = row_of_a(model_admin), request_as(alice)
    assert model_admin.has_change_permission(request, obj) == ((model, model_admin) in WRITABLE)
    assert model_admin.has_add_permission(request) == ((model, model_admin) in ADDABLE)
    assert model_admin.has_delete_permission(request, obj) == ((model, model_admin) in DELETABLE)
    assert model_admin.has_view_permission(request, obj)


# --- reading: changelists, change pages, history, delete confirmation ------------------------------------------


@scoped()
def test_it_hides_a_row_of_territory_a_from_bobs_changelist(client_for, bob, row_of_a, model, model_admin):
    obj = row_of_a(model_admin)
    response = client_for(bob).get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert admin_url(model, "change", obj.pk) not in response.content.decode()


@scoped()
def test_it_lists_a_row_of_territory_a_in_alices_changelist(client_for, alice, row_of_a, model, model_admin):
    obj = row_of_a(model_admin)
    response = client_for(alice).get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert admin_url(model, "change", obj.pk) in response.content.decode()


@scoped()
def test_it_lists_bobs_own_rows_in_his_changelist(client_for, bob, row_of_a, territory_b, model, model_admin):
    own = rows_of(model_admin, territory_b).order_by("pk").first() or clone_to(row_of_a(model_admin), territory_b)
    response = client_for(bob).get(admin_url(model, "changelist"))
    assert admin_url(model, "change", own.pk) in response.content.decode()


@pytest.mark.parametrize("action", ["change", "history", "delete"])
@scoped()
def test_it_does_not_show_bob_a_page_about_a_row_of_territory_a(client_for, bob, row_of_a, model, model_admin, action):
    obj = row_of_a(model_admin)
    before = snapshot(model, obj.pk)
    response = client_for(bob).get(admin_url(model, action, obj.pk))
    assert snapshot(model, obj.pk) == before
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:
        assert response.url == reverse("admin:index")
    assert escape(str(obj)) not in response.content.decode()


@scoped()
def test_it_shows_alice_the_change_page_of_a_row_of_territory_a(client_for, alice, row_of_a, model, model_admin):
    obj = row_of_a(model_admin)
    response = client_for(alice).get(admin_url(model, "change", obj.pk))
    assert response.status_code == 200
    assert escape(str(obj)) in response.content.decode()


# --- changing and deleting ---------------------------------------------------------------------------------


@scoped()
def test_it_ignores_bobs_post_to_the_change_page_of_a_row_of_territory_a(
    client_for, alice, bob, row_of_a, model, model_admin
):
    obj = row_of_a(model_admin)
    data, _, _ = change_payload(model_admin, obj, alice)
    before = snapshot(model, obj.pk)
    response = client_for(bob).post(admin_url(model, "change", obj.pk), data)
    assert response.status_code in (302, 403, 404)
    assert snapshot(model, obj.pk) == before


@scoped(WRITABLE)
def test_it_lets_alice_change_a_row_of_territory_a_through_the_admin(client_for, alice, row_of_a, model, model_admin):
    obj = row_of_a(model_admin)
    data, field, value = change_payload(model_admin, obj, alice)
    response = client_for(alice).post(admin_url(model, "change", obj.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response.url == admin_url(model, "changelist")
    assert snapshot(model, obj.pk)[field] == value


@scoped()
def test_it_ignores_bobs_post_to_the_delete_page_of_a_row_of_territory_a(client_for, bob, row_of_a, model, model_admin):
    obj = row_of_a(model_admin)
    before = snapshot(model, obj.pk)
    response = client_for(bob).post(admin_url(model, "delete", obj.pk), {"post": "yes"})
    assert response.status_code in (302, 403, 404)
    assert snapshot(model, obj.pk) == before


@scoped(DELETABLE)
def test_it_lets_alice_delete_a_row_of_territory_a(client_for, alice, row_of_a, model, model_admin):
    obj = row_of_a(model_admin)
    response = client_for(alice).post(admin_url(model, "delete", obj.pk), {"post": "yes"})
    assert response.status_code == 302
    assert snapshot(model, obj.pk) is None


# --- adding ------------------------------------------------------------------------------------------------


@scoped(ADDABLE)
def test_it_refuses_bob_a_row_added_to_territory_a(client_for, alice, bob, row_of_a, territory_a, model, model_admin):
    data, field, value = add_payload(model_admin, row_of_a(model_admin), alice)
    assert data["territory"] == str(territory_a.pk)
    count = model._default_manager.count()
    response = client_for(bob).post(admin_url(model, "add"), data)
    assert response.status_code in (200, 403)
    if response.status_code == 200:
        assert 'class="errornote"' in response.content.decode()
    assert model._default_manager.count() == count
    assert not model._default_manager.filter(**{field: value}).exists()


@scoped(ADDABLE)
def test_it_lets_alice_add_the_same_row_to_territory_a(client_for, alice, row_of_a, territory_a, model, model_admin):
    template = row_of_a(model_admin)
    data, field, value = add_payload(model_admin, template, alice)
    template.delete()  # frees the unique values (e.g. a size class) so that only scoping can refuse the row
    response = client_for(alice).post(admin_url(model, "add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert model._default_manager.filter(territory=territory_a, **{field: value}).count() == 1


@scoped(WITH_PARENT)
def test_it_refuses_bob_a_row_of_his_territory_under_a_parent_of_territory_a(
    client_for, alice, bob, row_of_a, territory_a, territory_b, model, model_admin
):
    template = row_of_a(model_admin, with_parents=True)
    data, field, value = add_payload(model_admin, template, alice)
    data["territory"] = str(territory_b.pk)
    for parent in _parent_fields(model):
        assert parent.related_model.objects.get(pk=data[parent.name]).territory_id == territory_a.pk
    count = model._default_manager.count()
    response = client_for(bob).post(admin_url(model, "add"), data)
    assert response.status_code in (200, 403)
    if response.status_code == 200:
        assert 'class="errornote"' in response.content.decode()
    assert model._default_manager.count() == count
    assert not model._default_manager.filter(**{field: value}).exists()


@scoped(NOT_ADDABLE)
def test_it_refuses_bob_the_add_page_of_rows_created_otherwise(client_for, bob, model, model_admin):
    count = model._default_manager.count()
    assert client_for(bob).get(admin_url(model, "add")).status_code == 403
    assert client_for(bob).post(admin_url(model, "add"), {"name": "Intrus"}).status_code == 403
    assert model._default_manager.count() == count


def _select_options(page, name):
    document = parse_html(page)
    found = []

    def walk(node):
        for child in getattr(node, "children", []):
            if isinstance(child, str):
                continue
            if child.name == "select" and dict(child.attributes).get("name") == name:
                found.append(child)
            walk(child)

    walk(document)
    assert len(found) == 1, f"no select named {name}"
    return [
        dict(option.attributes).get("value")
        for option in found[0].children
        if not isinstance(option, str) and option.name == "option" and dict(option.attributes).get("value")
    ]


@scoped(ADDABLE)
def test_it_offers_bob_only_his_territory_and_its_rows_in_add_forms(
    client_for, bob, territory_a, territory_b, model, model_admin
):
    response = client_for(bob).get(admin_url(model, "add"))
    assert response.status_code == 200
    page = response.content.decode()
    assert _select_options(page, "territory") == [str(territory_b.pk)]
    for field in _parent_fields(model) + _many_to_many_fields(model):
        offered = _select_options(page, field.name)
        owners = set(field.related_model.objects.filter(pk__in=offered).values_list("territory_id", flat=True))
        assert owners <= {territory_b.pk}, field.name


def test_it_never_offers_bob_the_contacts_of_territory_a_as_interviewees(client_for, bob, territory_a, territory_b):
    from pacte.stakeholders.models import Contact, Stakeholder

    stakeholder = Stakeholder.objects.create(territory=territory_b, name="Port de Dunkerque", category="partenaires")
    mine = Contact.objects.create(territory=territory_b, stakeholder=stakeholder, last_name="Nord")
    page = client_for(bob).get(reverse("admin:interviews_interview_add")).content.decode()
    offered = _select_options(page, "interviewees")
    assert offered == [str(mine.pk)]
    assert Contact.objects.filter(territory=territory_a).exists()


# --- the back-office pages that are not scoped by territory, and the other pages --------------------------------


@pytest.mark.parametrize("model", UNSCOPED, ids=[m._meta.label for m in UNSCOPED])
def test_it_refuses_bob_the_back_office_pages_reserved_to_anct(client_for, bob, model):
    assert client_for(bob).get(admin_url(model, "changelist")).status_code == 403
    assert client_for(bob).get(admin_url(model, "add")).status_code == 403


def test_it_refuses_bob_the_creation_of_a_territory(client_for, bob):
    count = Territory.objects.count()
    response = client_for(bob).post(
        reverse("replication:create"), {"name": "Intrus", "sirens": "241700434", "region": ""}
    )
    assert response.status_code == 403
    assert Territory.objects.count() == count


def test_it_lists_only_alices_territories_in_her_space(client_for, alice, territory_a, territory_b):
    page = client_for(alice).get(reverse("accounts:home")).content.decode()
    assert reverse("roadmap:roadmap", args=[territory_a.slug]) in page
    assert reverse("roadmap:roadmap", args=[territory_b.slug]) not in page
    assert territory_b.name not in page


def test_it_forbids_bob_the_roadmap_of_territory_a(client_for, bob, territory_a):
    assert client_for(bob).get(reverse("roadmap:roadmap", args=[territory_a.slug])).status_code == 403


def test_it_forbids_the_roadmap_to_a_user_without_membership(client_for, territory_a):
    stranger = get_user_model().objects.create_user(username="sam", password="mot-de-passe-de-test", is_staff=True)
    assert client_for(stranger).get(reverse("roadmap:roadmap", args=[territory_a.slug])).status_code == 403


def test_it_sends_anonymous_visitors_of_a_roadmap_to_the_login_page(client, territory_a):
    url = reverse("roadmap:roadmap", args=[territory_a.slug])
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"


def test_it_shows_alice_the_roadmap_of_territory_a(client_for, alice, territory_a):
    assert client_for(alice).get(reverse("roadmap:roadmap", args=[territory_a.slug])).status_code == 200


def test_it_hides_the_draft_pact_of_territory_b_from_alice(client_for, alice, territory_b):
    assert client_for(alice).get(reverse("public:pact", args=[territory_b.slug])).status_code == 404


# --- read-only member, team member, national viewer --------------------------------------------------------


@pytest.fixture
def commitment_a(territory_a):
    return Commitment.objects.filter(territory=territory_a).order_by("pk").first()


def test_it_shows_victor_a_commitment_of_territory_a_without_a_save_button(client_for, victor, commitment_a):
    response = client_for(victor).get(admin_url(Commitment, "change", commitment_a.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert escape(commitment_a.title) in page
    assert 'name="_save"' not in page


def test_it_refuses_victors_change_to_a_commitment_of_territory_a(client_for, alice, victor, commitment_a):
    data, _, _ = change_payload(admin.site._registry[Commitment], commitment_a, alice)
    before = snapshot(Commitment, commitment_a.pk)
    response = client_for(victor).post(admin_url(Commitment, "change", commitment_a.pk), data)
    assert response.status_code == 403
    assert snapshot(Commitment, commitment_a.pk) == before


def test_it_refuses_victors_deletion_of_a_commitment_of_territory_a(client_for, victor, commitment_a):
    response = client_for(victor).post(admin_url(Commitment, "delete", commitment_a.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Commitment.objects.filter(pk=commitment_a.pk).exists()


def test_it_lets_alice_change_a_commitment_of_territory_a(client_for, alice, commitment_a):
    data, _, _ = change_payload(admin.site._registry[Commitment], commitment_a, alice)
    data["title"] = "Améliorer durablement l'image de l'industrie"
    actions = commitment_a.company_actions.count()
    response = client_for(alice).post(admin_url(Commitment, "change", commitment_a.pk), data)
    assert response.status_code == 302
    assert response.url == admin_url(Commitment, "changelist")
    commitment_a.refresh_from_db()
    assert commitment_a.title == "Améliorer durablement l'image de l'industrie"
    assert commitment_a.company_actions.count() == actions


def test_it_shows_nadia_the_territories_of_everyone(client_for, nadia, territory_a, territory_b):
    page = client_for(nadia).get(admin_url(Territory, "changelist")).content.decode()
    assert admin_url(Territory, "change", territory_a.pk) in page
    assert admin_url(Territory, "change", territory_b.pk) in page


def test_it_shows_nadia_the_commitments_of_every_territory(client_for, nadia, territory_a, territory_b):
    page = client_for(nadia).get(admin_url(Commitment, "changelist") + "?all=").content.decode()
    for territory in (territory_a, territory_b):
        commitment = Commitment.objects.filter(territory=territory).first()
        assert admin_url(Commitment, "change", commitment.pk) in page


def test_it_opens_the_roadmap_and_the_draft_pact_of_every_territory_to_nadia(client_for, nadia, territory_b):
    client = client_for(nadia)
    assert client.get(reverse("roadmap:roadmap", args=[territory_b.slug])).status_code == 200
    assert client.get(reverse("public:pact", args=[territory_b.slug])).status_code == 200


# --- leaks through the changelist filters ------------------------------------------------------------------


@pytest.mark.parametrize(
    "model, model_admin",
    [pytest.param(model, model_admin) for model, model_admin in SCOPED],
    ids=[model._meta.label for model, _ in SCOPED],
)
def test_it_does_not_reveal_the_name_of_another_territory_in_alices_changelist(
    client_for, alice, territory_b, model, model_admin
):
    page = client_for(alice).get(admin_url(model, "changelist")).content.decode()
    assert territory_b.name not in page


@pytest.mark.parametrize("model", ["commitments.Commitment", "indicators.Indicator"])
def test_it_does_not_reveal_the_themes_of_another_territory_in_alices_filters(client_for, alice, territory_b, model):
    Theme.objects.create(territory=territory_b, code="secret", name="Thème confidentiel de Dunkerque")
    app_label, model_name = model.lower().split(".")
    page = client_for(alice).get(reverse(f"admin:{app_label}_{model_name}_changelist")).content.decode()
    assert "Thème confidentiel de Dunkerque" not in page


def test_it_does_not_reveal_a_contact_of_territory_a_to_bob_through_search(client_for, bob, contact_a):
    response = client_for(bob).get(admin_url(Contact, "changelist") + "?q=Martin")
    assert response.status_code == 200
    assert "claire.martin@example.org" not in response.content.decode()
    assert admin_url(Contact, "change", contact_a.pk) not in response.content.decode()


def test_it_does_not_let_bob_filter_his_changelist_on_territory_a(client_for, bob, territory_a):
    response = client_for(bob).get(admin_url(Stakeholder, "changelist") + f"?territory__id__exact={territory_a.pk}")
    assert response.status_code == 200
    page = response.content.decode()
    stakeholder = Stakeholder.objects.filter(territory=territory_a, category=Category.COMPANIES).first()
    assert admin_url(Stakeholder, "change", stakeholder.pk) not in page
