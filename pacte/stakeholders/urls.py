from django.urls import path

from . import views

app_name = "stakeholders"
urlpatterns = [
    path("<slug:slug>/acteurs/", views.tracking_file, name="tracking_file"),
    path("<slug:slug>/acteurs/nouveau/", views.contact_create, name="contact_create"),
    path("<slug:slug>/acteurs/<int:pk>/", views.contact_update, name="contact_update"),
    path("<slug:slug>/acteurs/import/", views.import_upload, name="import_upload"),
    path("<slug:slug>/acteurs/import/<int:pk>/", views.import_preview, name="import_preview"),
    path("<slug:slug>/acteurs/export.xlsx", views.export, name="export"),
    path("<slug:slug>/acteurs/modele.xlsx", views.import_model, name="import_model"),
]
