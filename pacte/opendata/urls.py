from django.urls import path

from . import views
from .api import api

app_name = "opendata"
urlpatterns = [
    path("donnees/", views.index, name="index"),
    path("donnees/datapackage.json", views.package, name="datapackage"),
    path("donnees/<slug:name>.schema.json", views.schema, name="schema"),
    path("donnees/<slug:name>.<str:fmt>", views.dataset, name="dataset"),
    path("api/v1/", api.urls),
]
