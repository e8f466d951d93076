"""The records of a case under ``/api/v1/requests/{reference}/`` (comments, documents, the
agreement, milestones, progress reports, feedback, meeting items), and UNODA's meetings, the
exchange rates and one's own notifications.

Each view fetches the case through the one scope (``case_selectors.case_access``: 404 for a
case that does not exist and for one the caller may not see alike), reads through the same
selector as the page that shows the record, and writes through the same service. Lists are
paginated, filtered and ordered as every list of the API (``?page``, ``?page_size``,
``?ordering`` among the view's ``ordering_fields``).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from apps.cases import selectors as case_selectors
from apps.cases import services as case_services
from apps.cases.models import Attachment, Comment, Indicator, Result
from apps.cases.permissions import can_download_attachment
from apps.core.exceptions import ApplicationError
from apps.core.selectors import user_is_coordinator
from apps.followup import selectors as followup_selectors
from apps.followup import services as followup_services
from apps.followup.models import (
    Feedback,
    FeedbackWaiver,
    Lesson,
    Milestone,
    ProgressReport,
    ProgressReportAttachment,
)
from apps.followup.permissions import can_see_agreement_records
from apps.funding import selectors as funding_selectors
from apps.funding import services as funding_services
from apps.funding.models import ExchangeRate, MatchmakingMeeting, MeetingItem
from apps.funding.permissions import can_manage_meetings
from apps.notifications import selectors as notification_selectors
from apps.notifications import services as notification_services
from apps.notifications.models import Notification
from apps.organizations.selectors import user_is_unoda

from . import filters, serializers
from .downloads import FILE_RESPONSES, AnyAccept, file_response
from .parsers import PortalJSONParser
from .views import ID_REGEX, PortalViewSet, _data

REFERENCE_REGEX = r"REQ-[0-9]{4}-[0-9]{1,10}"
REFERENCE = OpenApiParameter(
    "reference",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="A case reference, e.g. REQ-2026-0042.",
    pattern=f"^{REFERENCE_REGEX}$",
)


def _id(raw) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise NotFound from None


class CaseRecordViewSet(PortalViewSet):
    """A collection of one case's records: the case comes through the one scope."""

    model = None

    def fake(self) -> bool:
        """Whether the schema generator is asking (no user, no case)."""
        return getattr(self, "swagger_fake_view", False)

    @property
    def access(self):
        if not hasattr(self, "_access"):
            self._access = case_selectors.case_access(
                user=self.request.user, reference=self.kwargs["reference"]
            )
        return self._access

    def get_queryset(self):
        if self.fake():
            return self.model.objects.none()
        return self.records()

    def records(self):
        raise NotImplementedError


# --- Comments ----------------------------------------------------------------------------------


@extend_schema(parameters=[REFERENCE], tags=["case records"])
@extend_schema_view(
    list=extend_schema(summary="Comments on a case (internal ones to UNODA only)"),
    create=extend_schema(
        summary="Comment on a case (internal: UNODA only)",
        request=serializers.CommentCreateSerializer,
        responses={201: serializers.CommentSerializer},
    ),
)
class CommentViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, CaseRecordViewSet):
    model = Comment
    serializer_class = serializers.CommentSerializer
    filterset_class = filters.CommentFilter
    ordering_fields = ("created_at",)

    def records(self):
        return case_selectors.comment_list(user=self.request.user, case=self.access.case)

    def create(self, request, *args, **kwargs):
        data = _data(serializers.CommentCreateSerializer, request)
        comment = case_services.comment_add(actor=request.user, case=self.access.case, **data)
        return Response(serializers.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


# --- The case's documents ----------------------------------------------------------------------


@extend_schema(parameters=[REFERENCE], tags=["case records"])
@extend_schema_view(
    list=extend_schema(summary="A case's documents (proposal documents, evidence)"),
    retrieve=extend_schema(summary="Download one of a case's documents", responses=FILE_RESPONSES),
    create=extend_schema(
        summary="Attach a document to the proposal (whoever may edit it)",
        request={"multipart/form-data": serializers.AttachmentCreateSerializer},
        responses={201: serializers.AttachmentSerializer},
    ),
)
class AttachmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, CaseRecordViewSet
):
    model = Attachment
    serializer_class = serializers.AttachmentSerializer
    filterset_class = filters.AttachmentFilter
    ordering_fields = ("created_at", "title")
    content_negotiation_class = AnyAccept

    def records(self):
        access = self.access
        if not can_download_attachment(access):
            return Attachment.objects.none()
        return case_selectors.attachment_list(case=access.case).order_by("created_at", "pk")

    def get_parsers(self):
        if self.request is not None and self.request.method == "POST":
            return [MultiPartParser()]
        return super().get_parsers()

    def create(self, request, *args, **kwargs):
        data = _data(serializers.AttachmentCreateSerializer, request)
        attachment = case_services.attachment_add(actor=request.user, case=self.access.case, **data)
        return Response(
            serializers.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED
        )

    def retrieve(self, request, *args, **kwargs):
        attachment = self.get_object()
        return file_response(
            user=request.user,
            case=self.access.case,
            file=attachment.file,
            detail={"attachment": attachment.pk},
        )


# --- The results framework ---------------------------------------------------------------------

FRAMEWORK_METHODS = ["get", "post", "patch", "delete", "head", "options"]


class FrameworkViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, CaseRecordViewSet
):
    """Whoever sees the case reads its framework; whoever may edit its proposal (the State
    while it is theirs to edit, UNODA until the case ends) writes it, through the framework's
    services (``apps/cases/framework.py``): a refusal is a 403, bad input a 400, removing what
    progress reports gave values for a 409."""

    http_method_names = FRAMEWORK_METHODS

    def _answer(self, record, code=status.HTTP_200_OK):
        fresh = self.records().get(pk=record.pk)
        return Response(self.get_serializer_class()(fresh).data, status=code)

    def destroy(self, request, *args, **kwargs):
        self.remove(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _result_of(case, pk) -> Result:
    """One of the case's results, by the id given in a body (400 otherwise)."""
    result = Result.objects.filter(request=case, pk=pk).first()
    if result is None:
        raise ValidationError({"result": _("Choose one of the results of this request.")})
    return result


@extend_schema(parameters=[REFERENCE], tags=["results framework"])
@extend_schema_view(
    list=extend_schema(summary="A request's outcomes and outputs, each with its indicators"),
    retrieve=extend_schema(summary="One outcome or output with its indicators"),
    create=extend_schema(
        summary="Add an outcome or an output (the State while it edits the request, UNODA "
        "until the case ends)",
        request=serializers.ResultCreateSerializer,
        responses={201: serializers.ResultSerializer},
    ),
    partial_update=extend_schema(
        summary="Reword a result, or change the outcome an output serves",
        request=serializers.ResultUpdateSerializer,
        responses={200: serializers.ResultSerializer},
    ),
    destroy=extend_schema(
        summary="Remove a result with its indicators (an outcome's outputs stay, serving no "
        "outcome; refused once progress reports gave values for its indicators)",
        responses={204: None},
    ),
)
class ResultViewSet(FrameworkViewSet):
    model = Result
    serializer_class = serializers.ResultSerializer
    filterset_class = filters.ResultFilter
    ordering_fields = ("level", "position")

    def records(self):
        return (
            Result.objects.filter(request=self.access.case)
            .prefetch_related("indicators")
            .order_by("level", "position", "pk")
        )

    def create(self, request, *args, **kwargs):
        data = _data(serializers.ResultCreateSerializer, request)
        result = case_services.result_create(actor=request.user, case=self.access.case, **data)
        return self._answer(result, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        result = self.get_object()
        data = _data(serializers.ResultUpdateSerializer, request, partial=True)
        case_services.result_update(actor=request.user, result=result, **data)
        return self._answer(result)

    def remove(self, result):
        case_services.result_remove(actor=self.request.user, result=result)


@extend_schema(parameters=[REFERENCE], tags=["results framework"])
@extend_schema_view(
    list=extend_schema(summary="The indicators of a request's outcomes and outputs"),
    retrieve=extend_schema(summary="One indicator"),
    create=extend_schema(
        summary="Add an indicator to an outcome or an output, from a common indicator of the "
        "request's categories or not",
        request=serializers.IndicatorCreateSerializer,
        responses={201: serializers.IndicatorSerializer},
    ),
    partial_update=extend_schema(
        summary="Change an indicator (its measure stays once progress reports gave values)",
        request=serializers.IndicatorUpdateSerializer,
        responses={200: serializers.IndicatorSerializer},
    ),
    destroy=extend_schema(
        summary="Remove an indicator (refused once progress reports gave values for it)",
        responses={204: None},
    ),
)
class IndicatorViewSet(FrameworkViewSet):
    model = Indicator
    serializer_class = serializers.IndicatorSerializer
    filterset_class = filters.IndicatorFilter
    ordering_fields = ("position",)

    def records(self):
        return Indicator.objects.filter(result__request=self.access.case).order_by(
            "result__level", "result__position", "result_id", "position", "pk"
        )

    def create(self, request, *args, **kwargs):
        data = _data(serializers.IndicatorCreateSerializer, request)
        result = _result_of(self.access.case, data.pop("result"))
        indicator = case_services.indicator_create(actor=request.user, result=result, **data)
        return self._answer(indicator, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        indicator = self.get_object()
        data = _data(serializers.IndicatorUpdateSerializer, request, partial=True)
        case_services.indicator_update(actor=request.user, indicator=indicator, **data)
        return self._answer(indicator)

    def remove(self, indicator):
        case_services.indicator_remove(actor=self.request.user, indicator=indicator)


# --- Milestones --------------------------------------------------------------------------------


def _agreement_or_404(access):
    agreement = followup_selectors.agreement_get(access=access)
    if agreement is None:
        raise NotFound(_("No agreement has been recorded for this case."))
    return agreement


@extend_schema(parameters=[REFERENCE], tags=["case records"])
@extend_schema_view(
    list=extend_schema(summary="Milestones of a case's agreement"),
    retrieve=extend_schema(summary="One milestone"),
    create=extend_schema(
        summary="Set a milestone (UNODA or the requesting State, while the agreement runs)",
        request=serializers.MilestoneWriteSerializer,
        responses={201: serializers.MilestoneSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a milestone's title, due date or description",
        request=serializers.MilestoneUpdateSerializer,
        responses={200: serializers.MilestoneSerializer},
    ),
)
class MilestoneViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, CaseRecordViewSet
):
    model = Milestone
    serializer_class = serializers.MilestoneSerializer
    filterset_class = filters.MilestoneFilter
    ordering_fields = ("due_date", "completed_on", "created_at")

    def records(self):
        return followup_selectors.milestone_list(access=self.access)

    def _answer(self, milestone, code=status.HTTP_200_OK):
        fresh = self.records().get(pk=milestone.pk)
        return Response(serializers.MilestoneSerializer(fresh).data, status=code)

    def create(self, request, *args, **kwargs):
        agreement = _agreement_or_404(self.access)
        data = _data(serializers.MilestoneWriteSerializer, request)
        milestone = followup_services.milestone_create(
            actor=request.user, agreement=agreement, **data
        )
        return self._answer(milestone, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        milestone = self.get_object()
        data = _data(serializers.MilestoneUpdateSerializer, request, partial=True)
        followup_services.milestone_update(actor=request.user, milestone=milestone, **data)
        return self._answer(milestone)

    @extend_schema(
        summary="Mark a milestone done (a date, a note, a document as evidence)",
        request={
            "application/json": serializers.MilestoneCompleteSerializer,
            "multipart/form-data": serializers.MilestoneCompleteSerializer,
        },
        responses={200: serializers.MilestoneSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[PortalJSONParser, MultiPartParser],
    )
    def complete(self, request, *args, **kwargs):
        milestone = self.get_object()
        data = _data(serializers.MilestoneCompleteSerializer, request)
        followup_services.milestone_complete(
            actor=request.user,
            milestone=milestone,
            completed_on=data.get("completed_on"),
            note=data["note"],
            evidence=data.get("evidence"),
        )
        return self._answer(milestone)

    @extend_schema(
        summary="Reopen a milestone marked done",
        request=None,
        responses={200: serializers.MilestoneSerializer},
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, *args, **kwargs):
        milestone = self.get_object()
        followup_services.milestone_reopen(actor=request.user, milestone=milestone)
        return self._answer(milestone)


# --- Progress reports --------------------------------------------------------------------------


@extend_schema(parameters=[REFERENCE], tags=["case records"])
@extend_schema_view(
    list=extend_schema(summary="Progress reports on a case's agreement"),
    retrieve=extend_schema(summary="One progress report"),
    create=extend_schema(
        summary="File a progress report (recipient or implementing partner, in implementation)",
        request={
            "application/json": serializers.ProgressReportCreateSerializer,
            "multipart/form-data": serializers.ProgressReportCreateSerializer,
        },
        responses={201: serializers.ProgressReportSerializer},
    ),
)
class ProgressReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, CaseRecordViewSet
):
    model = ProgressReport
    serializer_class = serializers.ProgressReportSerializer
    filterset_class = filters.ProgressReportFilter
    ordering_fields = ("period_start", "period_end", "created_at")
    parser_classes = (PortalJSONParser, MultiPartParser)
    content_negotiation_class = AnyAccept

    def records(self):
        return followup_selectors.progress_report_list(access=self.access)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not self.fake():
            agreement = followup_selectors.agreement_get(access=self.access)
            context["records_visible"] = agreement is not None and can_see_agreement_records(
                self.request.user, agreement
            )
        return context

    def create(self, request, *args, **kwargs):
        agreement = _agreement_or_404(self.access)
        data = _data(serializers.ProgressReportCreateSerializer, request)
        files = data.pop("attachments", [])
        actuals = [dict(row) for row in data.pop("actuals", [])]
        report = followup_services.progress_report_submit(
            actor=request.user,
            agreement=agreement,
            attachments=[(file.name, file) for file in files],
            actuals=actuals,
            **data,
        )
        fresh = self.records().get(pk=report.pk)
        return Response(
            serializers.ProgressReportSerializer(fresh, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Download an attachment of a progress report (UNODA and the agreement's parties)",
        responses=FILE_RESPONSES,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=f"attachments/(?P<attachment_id>{ID_REGEX})",
        url_name="attachment",
    )
    def attachment(self, request, attachment_id=None, **kwargs):
        report = self.get_object()
        try:
            attachment = followup_selectors.report_attachment_get(
                access=self.access, pk=_id(attachment_id)
            )
        except (ProgressReportAttachment.DoesNotExist, PermissionDenied):
            raise NotFound from None
        if attachment.report_id != report.pk:
            raise NotFound
        return file_response(
            user=request.user,
            case=self.access.case,
            file=attachment.file,
            detail={"report_attachment": attachment.pk},
        )


# --- Feedback ----------------------------------------------------------------------------------


@extend_schema(parameters=[REFERENCE], tags=["case records"])
@extend_schema_view(
    list=extend_schema(
        summary="Feedback on a case (sealed: a party sees only its own until every party "
        "submitted or the case is closed; UNODA sees all)"
    ),
    create=extend_schema(
        summary="Save (or, with submit=true, submit) your organization's feedback",
        request=serializers.FeedbackWriteSerializer,
        responses={200: serializers.FeedbackSerializer},
    ),
)
class FeedbackViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, CaseRecordViewSet):
    model = Feedback
    serializer_class = serializers.FeedbackSerializer
    filterset_class = filters.FeedbackFilter
    ordering_fields = ("submitted_at", "role")

    def records(self):
        return followup_selectors.feedback_list(user=self.request.user, case=self.access.case)

    def create(self, request, *args, **kwargs):
        case = self.access.case
        data = _data(serializers.FeedbackWriteSerializer, request)
        service = (
            followup_services.feedback_submit
            if data.pop("submit")
            else followup_services.feedback_save
        )
        feedback = service(actor=request.user, case=case, **data)
        return Response(serializers.FeedbackSerializer(feedback).data)


# --- Feedback waivers and lessons learned ------------------------------------------------------


def _refused_as_missing(error: ApplicationError, code: str):
    """A record a service no longer finds (``code``) is a 404 in the API, as any missing one."""
    if error.code == code:
        raise NotFound from None
    raise error


@extend_schema(parameters=[REFERENCE], tags=["case records"])
@extend_schema_view(
    list=extend_schema(
        summary="The feedback UNODA waived on a case (UNODA; an empty list for anyone else, "
        "as on the feedback page)"
    ),
    retrieve=extend_schema(summary="One waiver (UNODA)"),
    create=extend_schema(
        summary="Waive a party's feedback, with a reason (UNODA, while the case waits for "
        "feedback)",
        request=serializers.FeedbackWaiverCreateSerializer,
        responses={201: serializers.FeedbackWaiverSerializer},
    ),
    destroy=extend_schema(
        summary="Withdraw a waiver: the party's feedback is awaited again (UNODA, while the "
        "case waits for feedback)",
        responses={204: None},
    ),
)
class FeedbackWaiverViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, CaseRecordViewSet
):
    model = FeedbackWaiver
    serializer_class = serializers.FeedbackWaiverSerializer
    ordering_fields = ("created_at",)
    http_method_names = [*PortalViewSet.http_method_names, "delete"]

    def records(self):
        return followup_selectors.feedback_waivers(
            user=self.request.user, case=self.access.case
        ).order_by("created_at", "pk")

    def create(self, request, *args, **kwargs):
        case = self.access.case
        data = _data(serializers.FeedbackWaiverCreateSerializer, request)
        waiver = followup_services.feedback_waive(actor=request.user, case=case, **data)
        fresh = self.records().get(pk=waiver.pk)
        return Response(
            serializers.FeedbackWaiverSerializer(fresh).data, status=status.HTTP_201_CREATED
        )

    def destroy(self, request, *args, **kwargs):
        try:
            followup_services.feedback_waiver_withdraw(
                actor=request.user, case=self.access.case, waiver_id=_id(kwargs["pk"])
            )
        except ApplicationError as error:
            _refused_as_missing(error, "not_found")
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["lessons learned"])
@extend_schema_view(
    list=extend_schema(
        summary="Lessons learned UNODA published from closed cases (every signed-in user; "
        "neither the case nor its parties named, but to UNODA)"
    ),
    create=extend_schema(
        summary="Publish a lesson of a closed case whose parties agreed to share theirs (UNODA)",
        request=serializers.LessonCreateSerializer,
        responses={201: serializers.LessonSerializer},
    ),
    destroy=extend_schema(
        summary="Withdraw a lesson from the lessons-learned page (UNODA)",
        responses={204: None},
    ),
)
class LessonViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, PortalViewSet
):
    serializer_class = serializers.LessonSerializer
    filterset_class = filters.LessonFilter
    ordering_fields = ("created_at", "title")
    http_method_names = [*PortalViewSet.http_method_names, "delete"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Lesson.objects.none()
        return followup_selectors.lesson_list()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["unoda"] = user_is_unoda(self.request.user)
        return context

    def create(self, request, *args, **kwargs):
        data = _data(serializers.LessonCreateSerializer, request)
        lesson = followup_services.lesson_publish(
            actor=request.user, case=data.pop("request"), **data
        )
        fresh = self.get_queryset().get(pk=lesson.pk)
        return Response(
            self.get_serializer(fresh).data,
            status=status.HTTP_201_CREATED,
        )

    def destroy(self, request, *args, **kwargs):
        try:
            followup_services.lesson_withdraw(actor=request.user, lesson_id=_id(kwargs["pk"]))
        except ApplicationError as error:
            _refused_as_missing(error, "gone")
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Meeting items about a case ----------------------------------------------------------------


@extend_schema(parameters=[REFERENCE], tags=["case records"])
@extend_schema_view(
    list=extend_schema(
        summary="Matchmaking-meeting items about a case and their outcomes",
        description="UNODA and the requesting State see every item; a donor only the items "
        "about its own offers and those of meetings it was invited to, as on the case page.",
    ),
)
class CaseMeetingItemViewSet(mixins.ListModelMixin, CaseRecordViewSet):
    model = MeetingItem
    serializer_class = serializers.MeetingItemSerializer
    filterset_class = filters.MeetingItemFilter
    ordering_fields = ("meeting__date", "position")

    def records(self):
        return funding_selectors.case_meeting_items(user=self.request.user, case=self.access.case)


# --- UNODA's matchmaking meetings ----------------------------------------------------------------


def _require_meetings(user):
    if not can_manage_meetings(user):
        raise PermissionDenied(_("Only UNODA prepares matchmaking meetings."))


@extend_schema(tags=["meetings"])
@extend_schema_view(
    list=extend_schema(summary="Matchmaking meetings (UNODA)"),
    retrieve=extend_schema(
        summary="One meeting with its agenda and outcomes (UNODA)",
        responses={200: serializers.MeetingDetailSerializer},
    ),
    create=extend_schema(
        summary="Prepare a matchmaking meeting (UNODA)",
        request=serializers.MeetingWriteSerializer,
        responses={201: serializers.MeetingDetailSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a meeting's details or invitations (UNODA)",
        request=serializers.MeetingWriteSerializer,
        responses={200: serializers.MeetingDetailSerializer},
    ),
)
class MeetingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, PortalViewSet
):
    serializer_class = serializers.MeetingSerializer
    filterset_class = filters.MeetingFilter
    ordering_fields = ("date", "created_at")
    http_method_names = [*PortalViewSet.http_method_names, "delete"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MatchmakingMeeting.objects.none()
        _require_meetings(self.request.user)
        return funding_selectors.meeting_list(user=self.request.user).order_by("-date", "-pk")

    def _answer(self, meeting, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=meeting.pk)
        context = {"items": funding_selectors.meeting_items(meeting=fresh)}
        return Response(serializers.MeetingDetailSerializer(fresh, context=context).data, code)

    def retrieve(self, request, *args, **kwargs):
        return self._answer(self.get_object())

    def create(self, request, *args, **kwargs):
        _require_meetings(request.user)
        data = _data(serializers.MeetingWriteSerializer, request)
        meeting = funding_services.meeting_create(actor=request.user, **data)
        return self._answer(meeting, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        meeting = self.get_object()
        data = _data(serializers.MeetingWriteSerializer, request, partial=True)
        funding_services.meeting_update(actor=request.user, meeting=meeting, **data)
        return self._answer(meeting)

    @extend_schema(
        summary="Put a case, an offer, or both on the agenda (UNODA)",
        request=serializers.MeetingItemCreateSerializer,
        responses={201: serializers.MeetingItemSerializer},
    )
    @action(detail=True, methods=["post"], url_path="items")
    def items(self, request, *args, **kwargs):
        meeting = self.get_object()
        data = _data(serializers.MeetingItemCreateSerializer, request)
        item = funding_services.meeting_add_item(
            actor=request.user,
            meeting=meeting,
            request=data.get("request"),
            offer=data.get("offer"),
        )
        return Response(
            serializers.MeetingItemSerializer(item).data, status=status.HTTP_201_CREATED
        )

    def _item(self, meeting, item_id) -> MeetingItem:
        try:
            return funding_selectors.meeting_items(meeting=meeting).get(pk=_id(item_id))
        except MeetingItem.DoesNotExist:
            raise NotFound from None

    @extend_schema(
        summary="Take an item off the agenda (UNODA; an item whose outcome is recorded stays)",
        request=None,
        responses={204: None},
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=f"items/(?P<item_id>{ID_REGEX})",
        url_name="item",
    )
    def remove_item(self, request, item_id=None, **kwargs):
        item = self._item(self.get_object(), item_id)
        funding_services.meeting_remove_item(actor=request.user, item=item)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="A meeting's dossier: each agenda item with its funding figures and best "
        "matches (UNODA; the dossier page as JSON)",
        responses={200: serializers.MeetingDossierSerializer},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def dossier(self, request, *args, **kwargs):
        meeting = self.get_object()
        rows = funding_selectors.meeting_dossier(meeting=meeting)
        body = {"id": meeting.pk, "title": meeting.title, "date": meeting.date, "rows": rows}
        return Response(serializers.MeetingDossierSerializer(body).data)

    @extend_schema(
        summary="Record the outcome of an agenda item (UNODA, from the day of the meeting)",
        request=serializers.MeetingOutcomeSerializer,
        responses={200: serializers.MeetingItemSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=f"items/(?P<item_id>{ID_REGEX})/outcome",
        url_name="item-outcome",
    )
    def outcome(self, request, item_id=None, **kwargs):
        item = self._item(self.get_object(), item_id)
        data = _data(serializers.MeetingOutcomeSerializer, request)
        item = funding_services.meeting_record_outcome(actor=request.user, item=item, **data)
        return Response(serializers.MeetingItemSerializer(item).data)


# --- Exchange rates ----------------------------------------------------------------------------


@extend_schema(tags=["exchange rates"])
@extend_schema_view(
    list=extend_schema(
        summary="Exchange rates set, the latest day first (UNODA)",
    ),
    create=extend_schema(
        summary="Set a day's rate of a currency (UNODA coordinators)",
        request=serializers.ExchangeRateWriteSerializer,
        responses={201: serializers.ExchangeRateSerializer},
    ),
)
class ExchangeRateViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, PortalViewSet):
    serializer_class = serializers.ExchangeRateSerializer
    filterset_class = filters.ExchangeRateFilter
    ordering_fields = ("valid_on", "currency")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ExchangeRate.objects.none()
        if not user_is_unoda(self.request.user):
            raise PermissionDenied(_("Only UNODA officers see the exchange rates."))
        return funding_selectors.exchange_rate_history()

    def create(self, request, *args, **kwargs):
        if not user_is_coordinator(request.user):
            raise PermissionDenied(
                _("Only UNODA coordinators set the exchange rates and the portal settings.")
            )
        data = _data(serializers.ExchangeRateWriteSerializer, request)
        rate = funding_services.exchange_rate_set(actor=request.user, **data)
        return Response(
            serializers.ExchangeRateSerializer(rate).data, status=status.HTTP_201_CREATED
        )


# --- One's own notifications -------------------------------------------------------------------


@extend_schema(tags=["notifications"])
@extend_schema_view(
    list=extend_schema(summary="Your notifications, the latest first"),
    retrieve=extend_schema(summary="One of your notifications"),
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortalViewSet):
    serializer_class = serializers.NotificationSerializer
    filterset_class = filters.NotificationFilter
    ordering_fields = ("created_at",)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return notification_selectors.notification_list(user=self.request.user).order_by(
            "-created_at", "-pk"
        )

    @extend_schema(
        summary="Mark one of your notifications read",
        request=None,
        responses={200: serializers.NotificationSerializer},
    )
    @action(detail=True, methods=["post"])
    def read(self, request, *args, **kwargs):
        notification = self.get_object()
        notification_services.notification_mark_read(
            user=request.user, notification_id=notification.pk
        )
        return Response(
            serializers.NotificationSerializer(self.get_queryset().get(pk=notification.pk)).data
        )

    @extend_schema(
        summary="Mark all your notifications read",
        request=None,
        responses={200: serializers.MarkedSerializer},
    )
    @action(detail=False, methods=["post"], url_path="read-all", pagination_class=None)
    def read_all(self, request, *args, **kwargs):
        count = notification_services.notification_mark_all_read(user=request.user)
        return Response({"marked": count})
