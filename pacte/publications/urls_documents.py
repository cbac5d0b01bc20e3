from django.urls import path

from . import views_pdf, views_slides

app_name = "documents"
urlpatterns = [
    path("territoires/<slug:slug>/pacte.pdf", views_pdf.pact_pdf, name="pdf"),
    path("territoires/<slug:slug>/pacte.pptx", views_slides.pact_pptx, name="pptx"),
]
