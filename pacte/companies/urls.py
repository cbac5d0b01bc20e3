from django.urls import path

from . import views

# Under /espace/<slug>/entreprises/ (the member companies' list, governance, holds that address itself).
app_name = "companies"
urlpatterns = [
    path("espace/<slug:slug>/entreprises/univers-industriel/", views.universe, name="universe"),
    path("espace/<slug:slug>/entreprises/univers-industriel/suivi/", views.feed, name="feed"),
    path("espace/<slug:slug>/entreprises/chiffres-cles/", views.figures, name="figures"),
    path("espace/<slug:slug>/entreprises/sirene/", views.upload, name="upload"),
    path("espace/<slug:slug>/entreprises/sirene/<int:pk>/", views.progress, name="progress"),
]
