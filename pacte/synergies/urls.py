from django.urls import path

from . import views

app_name = "synergies"
urlpatterns = [
    # The territory team
    path("espace/<slug:slug>/mutualisation/", views.pipeline, name="pipeline"),
    path("espace/<slug:slug>/mutualisation/proposer/", views.propose, name="propose"),
    path("espace/<slug:slug>/mutualisation/reglages/", views.settings_view, name="settings"),
    path("espace/<slug:slug>/mutualisation/export.xlsx", views.export, name="export"),
    path("espace/<slug:slug>/mutualisation/<int:pk>/", views.synergy_detail, name="detail"),
    # The company's space
    path("entreprise/<int:pk>/mutualisation/", views.company_declarations, name="company"),
    path("entreprise/<int:pk>/mutualisation/<int:declaration_pk>/", views.declaration_edit, name="declaration_edit"),
    path(
        "entreprise/<int:pk>/mutualisation/<int:declaration_pk>/supprimer/",
        views.declaration_remove,
        name="declaration_delete",
    ),
    path("entreprise/<int:pk>/mutualisation/synergies/<int:synergy_pk>/", views.party_decide_view, name="decide"),
    # The public
    path("territoires/<slug:slug>/mutualisation/", views.public, name="public"),
]
