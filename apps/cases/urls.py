from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.RequestListView.as_view(), name="request-list"),
    path("<str:reference>/", views.RequestDetailView.as_view(), name="request-detail"),
    path(
        "<str:reference>/transition/",
        views.RequestTransitionView.as_view(),
        name="request-transition",
    ),
    path(
        "<str:reference>/attachments/<int:pk>/",
        views.AttachmentDownloadView.as_view(),
        name="attachment-download",
    ),
]
