from django.urls import path

from . import views

app_name = "security"

urlpatterns = [
    path("otp/verify/", views.OTPVerifyView.as_view(), name="otp-verify"),
    path("otp/enrol/", views.OTPEnrolView.as_view(), name="otp-enrol"),
    path("otp/backup-codes/", views.OTPBackupCodesView.as_view(), name="otp-backup-codes"),
    path("audit/", views.AuditLogView.as_view(), name="audit-list"),
]
