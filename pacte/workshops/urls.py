from django.urls import path

from .views import board, documents, participant, resolution, team

app_name = "workshops"
urlpatterns = [
    # Participants: no account, an unguessable token in the link.
    path("atelier/<str:token>/", participant.workshop_page, name="join"),
    path("atelier/p/<str:token>/", participant.personal_link, name="personal"),
    path("atelier/<str:token>/reagir/<int:commitment_pk>/", participant.react, name="react"),
    path("atelier/<str:token>/postit/", participant.post_it, name="idea"),
    # The territory team.
    path("espace/<slug:slug>/ateliers/", team.workshop_list, name="list"),
    path("espace/<slug:slug>/ateliers/nouveau/", team.workshop_create, name="create"),
    path("espace/<slug:slug>/ateliers/<int:pk>/", team.workshop_detail, name="detail"),
    path("espace/<slug:slug>/ateliers/<int:pk>/inviter/", team.invite, name="invite"),
    path("espace/<slug:slug>/ateliers/<int:pk>/statut/", team.status, name="status"),
    path("espace/<slug:slug>/ateliers/<int:pk>/tableau/", board.board, name="board"),
    path("espace/<slug:slug>/ateliers/<int:pk>/tableau/direct/", board.board_live, name="board_live"),
    path("espace/<slug:slug>/ateliers/<int:pk>/saisie/", board.paper, name="paper"),
    path("espace/<slug:slug>/ateliers/<int:pk>/support.pdf", documents.handout, name="handout"),
    path("espace/<slug:slug>/ateliers/<int:pk>/lien.pdf", documents.link_sheet, name="link_sheet"),
    path("espace/<slug:slug>/ateliers/<int:pk>/resultats.xlsx", documents.results_xlsx, name="results_xlsx"),
    path("espace/<slug:slug>/ateliers/<int:pk>/synthese.pdf", documents.synthesis, name="synthesis"),
    path("espace/<slug:slug>/arbitrages/", resolution.resolution_list, name="resolutions"),
    path("espace/<slug:slug>/arbitrages/<int:commitment_pk>/", resolution.resolve, name="resolve"),
]
