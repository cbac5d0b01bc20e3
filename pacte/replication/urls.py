from django.urls import path

from . import views

app_name = "replication"
urlpatterns = [path("nouveau-territoire/", views.create, name="create")]
