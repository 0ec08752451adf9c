from django.urls import path

from . import views, views_transcript

app_name = "certificates"

urlpatterns = [
    path("", views.my_certificates, name="mine"),
    path("<int:pk>/pdf/", views.certificate_pdf, name="pdf"),
    path("transcript.pdf", views_transcript.my_transcript, name="my_transcript"),
    path(
        "people/<int:user_id>/transcript.pdf",
        views_transcript.transcript,
        name="transcript",
    ),
]
