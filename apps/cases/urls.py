from django.urls import path

from . import views

# The queue and the case page are in apps.portal.urls, joined to these in config/urls.py.
app_name = "cases"

urlpatterns = [
    path("bulk-assign/", views.RequestBulkAssignView.as_view(), name="request-bulk-assign"),
    path("new/", views.RequestCreateView.as_view(), name="request-create"),
    path("states/<int:pk>/", views.StateNeedsView.as_view(), name="state-needs"),
    path("<str:reference>/edit/<slug:step>/", views.RequestEditView.as_view(), name="request-edit"),
    path(
        "<str:reference>/transition/",
        views.RequestTransitionView.as_view(),
        name="request-transition",
    ),
    path("<str:reference>/comment/", views.CommentAddView.as_view(), name="comment-add"),
    path("<str:reference>/assign/", views.RequestAssignView.as_view(), name="request-assign"),
    path(
        "<str:reference>/translations/",
        views.RequestTranslationsView.as_view(),
        name="request-translations",
    ),
    path("<str:reference>/attachments/", views.AttachmentAddView.as_view(), name="attachment-add"),
    path(
        "<str:reference>/attachments/<int:pk>/",
        views.AttachmentDownloadView.as_view(),
        name="attachment-download",
    ),
]
