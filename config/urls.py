from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("pacte.public.urls")),
    path("", include("pacte.accounts.urls")),
    path("espace/", include("pacte.roadmap.urls")),
    path("espace/", include("pacte.replication.urls")),
    path("espace/", include("pacte.publications.urls")),
    path("espace/gestion/", admin.site.urls),
]
