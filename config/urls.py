from django.contrib import admin
from django.urls import include, path

# No URL serves the media folder by path: every uploaded file has a view that looks it up in the database and
# checks who asks (pacte.core.files), e.g. a pride's picture, an indicator's proof, a land application's piece.
urlpatterns = [
    path("", include("pacte.core.urls")),
    path("", include("pacte.public.urls")),
    path("", include("pacte.privacy.urls")),
    path("", include("pacte.publications.urls_documents")),
    path("", include("pacte.accounts.urls")),
    path("", include("pacte.accounts.urls_oidc")),
    path("espace/", include("pacte.roadmap.urls")),
    path("espace/", include("pacte.replication.urls")),
    path("espace/", include("pacte.publications.urls")),
    path("espace/", include("pacte.appropriation.urls")),
    path("espace/", include("pacte.stakeholders.urls")),
    path("espace/", include("pacte.interviews.urls")),
    path("espace/", include("pacte.commitments.urls")),
    path("espace/", include("pacte.drafting.urls_commitments")),
    path("espace/", include("pacte.drafting.urls_evidence")),
    path("espace/", include("pacte.drafting.urls")),
    path("", include("pacte.workshops.urls")),
    path("", include("pacte.governance.urls_members")),
    path("", include("pacte.governance.urls_committees")),
    path("", include("pacte.indicators.urls")),
    path("", include("pacte.land.urls")),
    path("", include("pacte.national.urls")),
    path("", include("pacte.companies.urls")),
    path("", include("pacte.synergies.urls")),
    path("", include("pacte.indicators.urls_national")),
    path("", include("pacte.opendata.urls")),
    path("espace/gestion/", admin.site.urls),
]
