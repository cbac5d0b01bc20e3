from django.urls import path

from . import views_members

app_name = "members"
urlpatterns = [
    # The territory team's pages
    path("espace/<slug:slug>/entreprises/", views_members.company_list, name="list"),
    path("espace/<slug:slug>/entreprises/inviter/", views_members.company_invite_view, name="invite"),
    path("espace/<slug:slug>/entreprises/<int:pk>/", views_members.company_detail, name="detail"),
    # Sign-in by link (no password)
    path("entreprise/connexion/", views_members.new_link, name="new_link"),
    path("entreprise/connexion/<str:token>/", views_members.sign_in, name="sign_in"),
    # The company's space
    path("entreprise/<int:pk>/", views_members.company_space, name="company"),
    path("entreprise/<int:pk>/adherer/", views_members.adhesion_confirm, name="adhere"),
    path("entreprise/<int:pk>/revues/<int:review_pk>/", views_members.review_detail, name="review"),
]
