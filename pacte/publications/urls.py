from django.urls import path, re_path

from . import views

app_name = "publications"
urlpatterns = [
    path("<slug:slug>/pacte/preparation/", views.readiness, name="readiness"),
    path("<slug:slug>/pacte/retirer/", views.withdraw, name="withdraw"),
    re_path(r"^(?P<slug>[-a-zA-Z0-9_]+)/pacte/(?P<action>valider|publier)/$", views.transition, name="transition"),
]
