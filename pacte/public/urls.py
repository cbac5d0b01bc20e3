from django.urls import path

from . import views, views_pages

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("territoires/<slug:slug>/", views.pact_detail, name="pact"),
    path("territoires/<slug:slug>/v<int:number>/fiertes/<int:index>/", views.pride_image, name="pride_image"),
    path("accessibilite/", views_pages.accessibility, name="accessibility"),
    path("mentions-legales/", views_pages.legal_notice, name="legal_notice"),
    path("donnees-personnelles/", views_pages.personal_data, name="personal_data"),
    path("plan-du-site/", views_pages.sitemap, name="sitemap"),
]
