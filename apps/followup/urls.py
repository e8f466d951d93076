from django.urls import path

from . import views

app_name = "followup"

urlpatterns = [
    path("effectiveness/", views.EffectivenessView.as_view(), name="effectiveness"),
    path("lessons/", views.LessonListView.as_view(), name="lesson-list"),
    path("feedback/", views.FeedbackPendingView.as_view(), name="feedback-pending"),
    path("overdue/", views.OverdueListView.as_view(), name="overdue-list"),
    path(
        "<str:reference>/agreement/", views.AgreementRecordView.as_view(), name="agreement-record"
    ),
    path(
        "<str:reference>/agreement/edit/", views.AgreementEditView.as_view(), name="agreement-edit"
    ),
    path(
        "<str:reference>/agreement/documents/new/",
        views.AgreementDocumentAddView.as_view(),
        name="agreement-document-add",
    ),
    path(
        "<str:reference>/agreement/documents/<int:pk>/",
        views.AgreementDocumentDownloadView.as_view(),
        name="agreement-document-download",
    ),
    path(
        "<str:reference>/reports/attachments/<int:pk>/",
        views.ReportAttachmentDownloadView.as_view(),
        name="report-attachment-download",
    ),
    path("<str:reference>/plan/", views.ImplementationPlanView.as_view(), name="plan-detail"),
    path("<str:reference>/feedback/", views.FeedbackView.as_view(), name="feedback-detail"),
]
