from csp.constants import SELF
from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from . import case_records, views

app_name = "api"

router = DefaultRouter()
router.include_root_view = False
router.register("requests", views.RequestViewSet, basename="request")
router.register("offers", views.OfferViewSet, basename="offer")
router.register("interests", views.InterestViewSet, basename="interest")
router.register("commitments", views.CommitmentViewSet, basename="commitment")
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("meetings", case_records.MeetingViewSet, basename="meeting")
router.register("exchange-rates", case_records.ExchangeRateViewSet, basename="exchange-rate")
router.register("notifications", case_records.NotificationViewSet, basename="notification")
router.register("lessons", case_records.LessonViewSet, basename="lesson")
# A case's records, under the case: /requests/{reference}/comments/ and so on.
CASE = f"requests/(?P<reference>{case_records.REFERENCE_REGEX})"
for prefix, viewset, basename in (
    ("comments", case_records.CommentViewSet, "request-comment"),
    ("attachments", case_records.AttachmentViewSet, "request-attachment"),
    ("milestones", case_records.MilestoneViewSet, "request-milestone"),
    ("progress-reports", case_records.ProgressReportViewSet, "request-progress-report"),
    ("feedback", case_records.FeedbackViewSet, "request-feedback"),
    ("feedback-waivers", case_records.FeedbackWaiverViewSet, "request-feedback-waiver"),
    ("meeting-items", case_records.CaseMeetingItemViewSet, "request-meeting-item"),
    ("results", case_records.ResultViewSet, "request-result"),
    ("indicators", case_records.IndicatorViewSet, "request-indicator"),
):
    router.register(f"{CASE}/{prefix}", viewset, basename=basename)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PATCH", "PUT", "DELETE"])
@permission_classes([AllowAny])
@throttle_classes([])
def not_found(request, *args, **kwargs):
    """Unknown paths under /api/ answer in the API's error format, not with an HTML page."""
    raise NotFound


# Redoc's bundle inserts <style> elements without a nonce as it loads: empty ones, whose rules
# styled-components then adds through the CSSOM, and perfect-scrollbar's stylesheet. Its page
# allows exactly those two contents by their hashes (a newer Redoc's stylesheet would have
# another hash: tests/browser/test_admin_and_api_docs.py fails on any refused style). Its
# search runs in a worker made from a blob.
REDOC_POLICY = {
    "style-src": [
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # the empty text
        "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",  # perfect-scrollbar's CSS
    ],
    "worker-src": [SELF, "blob:"],
}

urlpatterns = [
    path("v1/auth/token/", views.TokenObtainView.as_view(), name="token"),
    path("v1/", include(router.urls)),
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path(
        "docs/redoc/",
        csp_update(REDOC_POLICY)(SpectacularRedocView.as_view(url_name="api:schema")),
        name="redoc",
    ),
    # Any path at all, a newline in it too ("." would not match one).
    re_path(r"^[\s\S]*$", not_found, name="not-found"),
]
