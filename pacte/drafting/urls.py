from django.urls import path

from . import views

app_name = "drafting"
urlpatterns = [
    path("<slug:slug>/redaction/", views.index, name="index"),
    path("<slug:slug>/redaction/historique/<slug:item_type>/<int:pk>/", views.item_history, name="history"),
    path("<slug:slug>/redaction/<slug:page>/", views.part_page, name="part"),
    path("<slug:slug>/redaction/<slug:part>/ajouter/", views.item_create, name="create"),
    path("<slug:slug>/redaction/<slug:part>/<int:pk>/", views.item_edit, name="edit"),
    path("<slug:slug>/redaction/<slug:part>/<int:pk>/retirer/", views.item_delete, name="delete"),
    path("<slug:slug>/redaction/<slug:part>/<int:pk>/deplacer/", views.item_move, name="move"),
]
