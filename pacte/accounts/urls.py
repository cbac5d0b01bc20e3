from django.contrib.auth import views as auth_views
from django.urls import path

from . import views, views_oidc
from .forms import SignInForm

app_name = "accounts"
urlpatterns = [
    path(
        "connexion/",
        auth_views.LoginView.as_view(template_name="accounts/login.html", authentication_form=SignInForm),
        name="login",
    ),
    # Also ends the ProConnect session when the person signed in with it (a plain sign-out otherwise).
    path("deconnexion/", views_oidc.ProConnectLogoutView.as_view(), name="logout"),
    path("espace/", views.home, name="home"),
    path("compte/", views.account, name="account"),
    path("compte/deconnexion-partout/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("espace/<slug:slug>/equipe/", views.team, name="team"),
    path(
        "espace/<slug:slug>/equipe/invitations/<int:pk>/renvoyer/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "espace/<slug:slug>/equipe/invitations/<int:pk>/annuler/",
        views.invitation_cancel,
        name="invitation_cancel",
    ),
    path("espace/<slug:slug>/equipe/membres/<int:pk>/role/", views.member_role, name="member_role"),
    path("espace/<slug:slug>/equipe/membres/<int:pk>/retirer/", views.member_remove, name="member_remove"),
]
