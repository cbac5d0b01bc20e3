from django.urls import path

from . import views

app_name = "indicators"
urlpatterns = [
    path("espace/<slug:slug>/indicateurs/", views.dashboard, name="dashboard"),
    path("espace/<slug:slug>/indicateurs/<int:pk>/", views.indicator_detail, name="detail"),
    path("espace/<slug:slug>/indicateurs/<int:pk>/definition/", views.definition_edit, name="definition"),
    path("espace/<slug:slug>/indicateurs/valeurs/<int:pk>/verifier/", views.value_verify, name="verify"),
    path("indicateurs/justificatifs/<int:pk>/", views.value_proof, name="proof"),
    path("entreprise/<int:pk>/indicateurs/", views.company_indicators, name="company"),
    # The citizens' page of collective indicators (live data, linked from the frozen public pact page).
    path("territoires/<slug:slug>/indicateurs/", views.public_indicators, name="public"),
]
