import posixpath

from django.conf import settings
from django.contrib import admin
from django.http import Http404
from django.urls import include, path, re_path
from django.views.static import serve

urlpatterns = [
    path("", include("pacte.public.urls")),
    path("", include("pacte.publications.urls_documents")),
    path("", include("pacte.accounts.urls")),
    path("espace/", include("pacte.roadmap.urls")),
    path("espace/", include("pacte.replication.urls")),
    path("espace/", include("pacte.publications.urls")),
    path("espace/", include("pacte.appropriation.urls")),
    path("espace/", include("pacte.stakeholders.urls")),
    path("espace/", include("pacte.interviews.urls")),
    path("espace/", include("pacte.commitments.urls")),
    path("", include("pacte.workshops.urls")),
    path("", include("pacte.governance.urls_members")),
    path("", include("pacte.governance.urls_committees")),
    path("", include("pacte.indicators.urls")),
    path("", include("pacte.land.urls")),
    path("espace/gestion/", admin.site.urls),
]


PRIVATE_MEDIA = ("justificatifs/", "candidatures/")  # proofs and land applications: only through access-checked views


def media(request, path):
    """Uploaded files, served by Django in the demo (MEDIA_ROOT read per request, so tests can move it)."""
    if posixpath.normpath("/" + path).lstrip("/").startswith(PRIVATE_MEDIA):  # "//x", "a/../x" included
        raise Http404
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.SERVE_MEDIA:
    urlpatterns.append(re_path(r"^media/(?P<path>.*)$", media))
