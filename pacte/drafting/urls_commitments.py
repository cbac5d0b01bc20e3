from django.urls import path

from . import views_commitments as views

app_name = "drafting_commitments"
prefix = "<slug:slug>/redaction/engagements/<int:theme_pk>/"
action = prefix + "<int:pk>/<slug:side>/<int:action_pk>/"
urlpatterns = [
    path(prefix, views.theme, name="theme"),
    path(prefix + "ajouter/", views.commitment_create, name="create"),
    path(prefix + "historique/<slug:kind>/<int:item_pk>/", views.item_history, name="history"),
    path(prefix + "<int:pk>/", views.commitment_edit, name="edit"),
    path(prefix + "<int:pk>/retirer/", views.commitment_delete, name="delete"),
    path(prefix + "<int:pk>/deplacer/", views.commitment_move, name="move"),
    path(prefix + "<int:pk>/<slug:side>/ajouter/", views.action_create, name="action_create"),
    path(action, views.action_edit, name="action_edit"),
    path(action + "texte/", views.action_show, name="action_show"),
    path(action + "retirer/", views.action_delete, name="action_delete"),
    path(action + "deplacer/", views.action_move, name="action_move"),
]
