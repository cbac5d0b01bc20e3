from django.urls import path

from . import views_evidence as views

app_name = "drafting_evidence"
urlpatterns = [
    path("<slug:slug>/redaction/engagements/<int:theme_pk>/sources/", views.theme, name="theme"),
]
