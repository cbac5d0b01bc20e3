from django.urls import path

from . import views_committees

app_name = "committees"
urlpatterns = [
    path("espace/<slug:slug>/groupes/", views_committees.groups, name="groups"),
    path("espace/<slug:slug>/calendrier/", views_committees.calendar, name="calendar"),
]
