from django.urls import path

from . import views

app_name = "drafting"
urlpatterns = [
    path("<slug:slug>/redaction/", views.index, name="index"),
    path("<slug:slug>/redaction/historique/<slug:item_type>/<int:pk>/", views.item_history, name="history"),
    # The cover's image: uploaded by the team, served to readers; a published version's to everyone.
    path("<slug:slug>/redaction/couverture/image/", views.cover_upload, name="cover_upload"),
    path("<slug:slug>/redaction/couverture/apercu/", views.cover_image, name="cover_image"),
    path("<slug:slug>/redaction/couverture/v<int:number>/", views.cover_version_image, name="cover_version"),
    # The lists of one theme (indicators, thematic groups).
    path("<slug:slug>/redaction/thematiques/<int:theme_pk>/<slug:part>/", views.theme_part_page, name="theme_part"),
    path(
        "<slug:slug>/redaction/thematiques/<int:theme_pk>/<slug:part>/ajouter/",
        views.item_create,
        name="theme_create",
    ),
    path("<slug:slug>/redaction/thematiques/<int:theme_pk>/<slug:part>/<int:pk>/", views.item_edit, name="theme_edit"),
    path(
        "<slug:slug>/redaction/thematiques/<int:theme_pk>/<slug:part>/<int:pk>/retirer/",
        views.item_delete,
        name="theme_delete",
    ),
    path(
        "<slug:slug>/redaction/thematiques/<int:theme_pk>/<slug:part>/<int:pk>/deplacer/",
        views.item_move,
        name="theme_move",
    ),
    # The pact's own texts, the size-class table and the territory's lists.
    path("<slug:slug>/redaction/<slug:page>/", views.part_page, name="part"),
    path("<slug:slug>/redaction/<slug:part>/ajouter/", views.item_create, name="create"),
    path("<slug:slug>/redaction/<slug:part>/<int:pk>/", views.item_edit, name="edit"),
    path("<slug:slug>/redaction/<slug:part>/<int:pk>/retirer/", views.item_delete, name="delete"),
    path("<slug:slug>/redaction/<slug:part>/<int:pk>/deplacer/", views.item_move, name="move"),
]
