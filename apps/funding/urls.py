from django.urls import path

from . import views

app_name = "funding"

urlpatterns = [
    path("meetings/<int:pk>/dossier/", views.MeetingDossierView.as_view(), name="meeting-dossier"),
    path(
        "meetings/<int:pk>/dossier.csv",
        views.MeetingDossierCsvView.as_view(),
        name="meeting-dossier-csv",
    ),
]
