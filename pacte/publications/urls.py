from django.urls import re_path

from . import views

app_name = "publications"
urlpatterns = [
    re_path(r"^(?P<slug>[-a-zA-Z0-9_]+)/pacte/(?P<action>valider|publier)/$", views.transition, name="transition"),
]
