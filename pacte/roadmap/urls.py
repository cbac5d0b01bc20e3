from django.urls import path

from . import views

app_name = "roadmap"
urlpatterns = [path("<slug:slug>/feuille-de-route/", views.roadmap, name="roadmap")]
