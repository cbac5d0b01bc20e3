from django.urls import path

from . import views_evidence as views

app_name = "drafting_evidence"
urlpatterns = [
    path("<slug:slug>/redaction/engagements/<int:theme_pk>/sources/", views.theme, name="theme"),
    path(
        "<slug:slug>/redaction/engagements/<int:theme_pk>/sources/<slug:kind>/<int:pk>/utiliser/",
        views.use,
        name="use",
    ),
    path(
        "<slug:slug>/redaction/engagements/<int:theme_pk>/sources/liens/<int:link_pk>/delier/",
        views.unlink,
        name="unlink",
    ),
    path("<slug:slug>/redaction/engagement/<int:commitment_pk>/trace/", views.trail, name="trail"),
]
