from django.urls import path

from . import views

app_name = "followup"

urlpatterns = [
    path("effectiveness/", views.EffectivenessView.as_view(), name="effectiveness"),
    path("feedback/", views.FeedbackPendingView.as_view(), name="feedback-pending"),
    path("overdue/", views.OverdueListView.as_view(), name="overdue-list"),
    path(
        "<str:reference>/agreement/", views.AgreementRecordView.as_view(), name="agreement-record"
    ),
    path("<str:reference>/plan/", views.ImplementationPlanView.as_view(), name="plan-detail"),
    path("<str:reference>/feedback/", views.FeedbackView.as_view(), name="feedback-detail"),
]
