from django.urls import path

from .views import campaign, diagnostic, guide, prides

app_name = "interviews"
urlpatterns = [
    path("<slug:slug>/entretiens/", campaign.campaign, name="campaign"),
    path("<slug:slug>/entretiens/nouveau/", campaign.interview_create, name="interview_create"),
    path("<slug:slug>/entretiens/<int:pk>/", campaign.interview_detail, name="interview_detail"),
    path("<slug:slug>/entretiens/guide/", guide.guide, name="guide"),
    path("<slug:slug>/entretiens/fiche.pdf", guide.sheet, name="sheet"),
    path("<slug:slug>/diagnostic/", diagnostic.diagnostic, name="diagnostic"),
    path("<slug:slug>/diagnostic/constats/<int:pk>/", diagnostic.finding_update, name="finding_update"),
    path("<slug:slug>/diagnostic/fusionner/", diagnostic.finding_merge, name="finding_merge"),
    path("<slug:slug>/fiertes/", prides.prides, name="prides"),
    path("<slug:slug>/fiertes/nouvelle/", prides.pride_create, name="pride_create"),
    path("<slug:slug>/fiertes/<int:pk>/", prides.pride_update, name="pride_update"),
    path("<slug:slug>/fiertes/<int:pk>/supprimer/", prides.pride_delete, name="pride_delete"),
    path("<slug:slug>/fiertes/<int:pk>/image/", prides.pride_image, name="pride_image"),
]
