from django.urls import path

from .views import applications, calls, committee, parcels

app_name = "land"
urlpatterns = [
    # The territory team.
    path("espace/<slug:slug>/foncier/", parcels.overview, name="overview"),
    path("espace/<slug:slug>/foncier/parcelles/nouvelle/", parcels.parcel_create, name="parcel_create"),
    path("espace/<slug:slug>/foncier/parcelles/<int:pk>/", parcels.parcel_update, name="parcel_update"),
    path("espace/<slug:slug>/foncier/enveloppe/", parcels.envelope, name="envelope"),
    path("espace/<slug:slug>/foncier/appels/nouveau/", calls.call_create, name="call_create"),
    path("espace/<slug:slug>/foncier/appels/<int:pk>/", calls.call_detail, name="call_detail"),
    path("espace/<slug:slug>/foncier/appels/<int:pk>/grille/", calls.grid, name="grid"),
    path("espace/<slug:slug>/foncier/appels/<int:pk>/statut/", calls.call_status, name="call_status"),
    path("espace/<slug:slug>/foncier/candidatures/<int:pk>/", applications.application_detail, name="application"),
    path(
        "espace/<slug:slug>/foncier/candidatures/<int:pk>/pieces/<int:piece>/",
        applications.application_attachment,
        name="application_attachment",
    ),
    path("espace/<slug:slug>/foncier/appels/<int:pk>/comite/", committee.committee, name="committee"),
    path("comite-foncier/invitation/<str:token>/", committee.committee_invitation, name="committee_invitation"),
    path("espace/<slug:slug>/foncier/appels/<int:pk>/notation/<int:member_pk>/", committee.scoring, name="scoring"),
    path("espace/<slug:slug>/foncier/appels/<int:pk>/classement/", committee.ranking_page, name="ranking"),
    path("espace/<slug:slug>/foncier/appels/<int:pk>/avis/", committee.decision, name="decision"),
    path("espace/<slug:slug>/foncier/appels/<int:pk>/avis.pdf", committee.decision_pdf, name="decision_pdf"),
    # Citizens and project holders.
    path("territoires/<slug:slug>/foncier/", applications.public_calls, name="public_calls"),
    path("territoires/<slug:slug>/foncier/<int:pk>/", applications.public_call, name="public_call"),
    path("territoires/<slug:slug>/foncier/<int:pk>/candidater/", applications.apply, name="apply"),
]
