from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("territoires/<slug:slug>/", views.pact_detail, name="pact"),
    path("territoires/<slug:slug>/v<int:number>/fiertes/<int:index>/", views.pride_image, name="pride_image"),
]
