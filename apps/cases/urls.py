from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.RequestListView.as_view(), name="request-list"),
    path("export.csv", views.RequestQueueCsvView.as_view(), name="request-export"),
    path("bulk-assign/", views.RequestBulkAssignView.as_view(), name="request-bulk-assign"),
    path("new/", views.RequestCreateView.as_view(), name="request-create"),
    path("<str:reference>/", views.RequestDetailView.as_view(), name="request-detail"),
    path("<str:reference>/edit/<slug:step>/", views.RequestEditView.as_view(), name="request-edit"),
    path(
        "<str:reference>/transition/",
        views.RequestTransitionView.as_view(),
        name="request-transition",
    ),
    path("<str:reference>/comment/", views.CommentAddView.as_view(), name="comment-add"),
    path("<str:reference>/assign/", views.RequestAssignView.as_view(), name="request-assign"),
    path("<str:reference>/attachments/", views.AttachmentAddView.as_view(), name="attachment-add"),
    path(
        "<str:reference>/attachments/<int:pk>/",
        views.AttachmentDownloadView.as_view(),
        name="attachment-download",
    ),
]
