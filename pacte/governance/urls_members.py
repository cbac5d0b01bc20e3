from django.urls import path

from . import views_members

app_name = "members"
urlpatterns = [
    path("espace/<slug:slug>/entreprises/", views_members.company_list, name="list"),
]
