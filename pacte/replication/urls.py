from django.urls import path

from . import views

app_name = "replication"
urlpatterns = [
    path("nouveau-territoire/", views.create, name="create"),
    # ANCT (national): every territory, archived or not.
    path("territoires/", views.territories, name="territories"),
    path("territoires/<slug:slug>/archiver/", views.archive, name="archive"),
    path("territoires/<slug:slug>/restaurer/", views.restore, name="restore"),
    path("territoires/<slug:slug>/supprimer/", views.delete, name="delete"),
]
