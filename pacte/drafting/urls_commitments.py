from django.urls import path

from . import views_commitments as views

app_name = "drafting_commitments"
urlpatterns = [
    path("<slug:slug>/redaction/engagements/<int:theme_pk>/", views.theme, name="theme"),
]
