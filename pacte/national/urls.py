from django.urls import path

from . import views

app_name = "national"
urlpatterns = [
    # ANCT (superuser) only.
    path("national/", views.cockpit, name="cockpit"),
    path("national/territoires.xlsx", views.cockpit_export, name="export"),
    path("national/territoires/import/", views.territories_import, name="import"),
    # Public.
    path("territoires/", views.public_territories, name="public"),
]
