from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("espace/<slug:slug>/donnees-personnelles/", views.person_data, name="person_data"),
    path(
        "espace/<slug:slug>/donnees-personnelles/export.<str:fmt>",
        views.person_export,
        name="person_export",
    ),
    path("espace/<slug:slug>/donnees-personnelles/effacer/", views.person_erase_view, name="person_erase"),
]
