"""ProConnect sign-in and sign-out, agents' access requests and the team's decisions (pacte.accounts.views_oidc).
Without ProConnect configuration, sign-in and access-request URLs answer 404."""

from django.urls import path

from . import views_oidc

app_name = "proconnect"
urlpatterns = [
    path("proconnect/connexion/", views_oidc.ProConnectLoginView.as_view(), name="login"),
    path("proconnect/callback/", views_oidc.ProConnectCallbackView.as_view(), name="callback"),
    path("proconnect/deconnexion/", views_oidc.ProConnectLogoutView.as_view(), name="logout"),
    path("proconnect/deconnecte/", views_oidc.logged_out, name="logged_out"),
    path("proconnect/acces/", views_oidc.access, name="access"),
    path("proconnect/acces/<slug:slug>/demander/", views_oidc.access_request_create, name="access_request_create"),
    path(
        "espace/<slug:slug>/demandes-acces/<int:pk>/decision/",
        views_oidc.access_request_decide,
        name="access_request_decide",
    ),
]
