from django.urls import path

from . import views

app_name = "indicators"
urlpatterns = [
    path("espace/<slug:slug>/indicateurs/", views.dashboard, name="dashboard"),
]
