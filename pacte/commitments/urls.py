from django.urls import path

from . import views

app_name = "commitments"
urlpatterns = [
    path("<slug:slug>/engagements/versions/", views.versions, name="versions"),
    path("<slug:slug>/engagements/versions/figer/", views.version_freeze, name="version_freeze"),
    path("<slug:slug>/engagements/versions/<int:number>/", views.version_detail, name="version_detail"),
    path("<slug:slug>/engagements/versions/<int:old>/<int:new>/", views.version_diff, name="version_diff"),
]
