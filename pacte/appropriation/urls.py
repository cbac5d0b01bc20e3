from django.urls import path

from . import views

app_name = "appropriation"
urlpatterns = [
    path("<slug:slug>/restitution/", views.plan, name="plan"),
    path("<slug:slug>/restitution/nouvelle/", views.presentation_create, name="presentation_create"),
    path("<slug:slug>/restitution/<int:pk>/", views.presentation_update, name="presentation_update"),
]
