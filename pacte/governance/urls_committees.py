from django.urls import path

from . import views_committees as views

app_name = "committees"
urlpatterns = [
    path("espace/<slug:slug>/groupes/", views.groups, name="groups"),
    path("espace/<slug:slug>/groupes/<int:pk>/", views.group_detail, name="group"),
    path("espace/<slug:slug>/groupes/<int:pk>/cadence/", views.group_cadence, name="group_cadence"),
    path("espace/<slug:slug>/groupes/<int:pk>/reunions/nouvelle/", views.meeting_create, name="meeting_create"),
    path("espace/<slug:slug>/reunions/<int:pk>/", views.meeting_detail, name="meeting"),
    path("espace/<slug:slug>/reunions/<int:pk>/actions/", views.follow_up_create, name="meeting_follow_up"),
    path("espace/<slug:slug>/actions/<int:pk>/basculer/", views.follow_up_toggle_done, name="meeting_follow_up_toggle"),
    path("espace/<slug:slug>/calendrier/", views.calendar, name="calendar"),
    # Public: citizens and calendar applications (no sign-in).
    path("territoires/<slug:slug>/calendrier/", views.public_calendar, name="public_calendar"),
    path("territoires/<slug:slug>/calendrier.ics", views.calendar_feed, name="ics"),
]
