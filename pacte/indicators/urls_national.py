from django.urls import path

from . import views_national

app_name = "indicators_national"
urlpatterns = [
    path("national/indicateurs/", views_national.codes, name="codes"),
    path("national/indicateurs/<slug:code>/", views_national.comparison, name="comparison"),
]
