"""API views: authenticate, fetch through the apps' selectors, validate, call one service.

Scoping is the web pages' own (``request_list``, ``commitment_list``, ...), so a token sees
exactly what its user sees in the browser; every write is the same service function.
"""

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import (
    AuthenticationFailed,
    NotFound,
    PermissionDenied,
    Throttled,
    ValidationError,
)
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from apps.cases import selectors as case_selectors
from apps.cases import services as case_services
from apps.cases.duplicates import checked, likenesses
from apps.cases.permissions import access_of
from apps.followup import selectors as followup_selectors
from apps.followup import services as followup_services
from apps.followup.models import AgreementDocument
from apps.followup.permissions import can_record_agreement, can_see_agreement_records
from apps.funding import selectors as funding_selectors
from apps.funding import services as funding_services
from apps.funding.models import Disbursement
from apps.organizations.models import Organization
from apps.organizations.selectors import user_is_unoda
from apps.security.otp import otp_required
from apps.security.services import audit_case_view, audit_refused_access

from . import filters, serializers
from .downloads import FILE_RESPONSES, AnyAccept, file_response
from .parsers import PortalJSONParser

ID_REGEX = r"[0-9]{1,18}"


def _data(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data, context={"request": request}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class TokenObtainView(ObtainAuthToken):
    """A token for a user name and password, except for accounts that must pass two-factor
    authentication (UNODA, staff, enrolled users): a password alone must not open them; they
    take their token from their preferences page (``accounts:api-token``) after a fresh
    two-factor check."""

    # JSON, or the form fields a shell's ``curl -d`` sends (no files: no multipart).
    parser_classes = (PortalJSONParser, FormParser)

    def post(self, request, *args, **kwargs):
        data = request.data if isinstance(request.data, dict) else {}
        if AxesProxyHandler.is_locked(request, {"username": data.get("username")}):
            # A locked-out account (django-axes) is told when to try again, as a throttle.
            raise Throttled(
                wait=settings.AXES_COOLOFF_TIME.total_seconds(),
                detail=_("Too many failed sign-ins: this account is locked for a while."),
            )
        serializer = self.get_serializer(data=data)
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError as error:
            if "authorization" in str(error.get_codes()):
                # The schema's shape, but no such user name and password: not authenticated.
                raise AuthenticationFailed(
                    _("Unable to log in with provided credentials.")
                ) from None
            raise
        user = serializer.validated_data["user"]
        if otp_required(user):
            raise PermissionDenied(
                _(
                    "This account uses two-factor authentication: take a token from your "
                    "preferences page in the portal."
                )
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class PortalViewSet(viewsets.GenericViewSet):
    lookup_value_regex = ID_REGEX
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "request": self.request}

    def get_object(self):
        """The record of the path among those the user may see; a 404 otherwise, with the
        refusal in the audit log when the record exists."""
        try:
            return super().get_object()
        except Http404:
            key = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
            audit_refused_access(
                user=self.request.user,
                records=self.get_queryset().model.objects.filter(**{self.lookup_field: key}),
                what=self.request.path,
            )
            raise


@extend_schema_view(
    list=extend_schema(summary="Cases you may see", tags=["requests"]),
    retrieve=extend_schema(
        summary="One case, with its activity lines",
        tags=["requests"],
        responses={200: serializers.RequestDetailSerializer},
    ),
    create=extend_schema(
        summary="Create a draft request",
        tags=["requests"],
        request=serializers.RequestCreateSerializer,
        responses={201: serializers.RequestSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a request's proposal (draft or needs revision; UNODA until closure)",
        tags=["requests"],
        request=serializers.RequestWriteSerializer,
        responses={200: serializers.RequestSerializer},
    ),
)
class RequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, PortalViewSet
):
    serializer_class = serializers.RequestSerializer
    filterset_class = filters.RequestFilter
    ordering_fields = ("status_changed_at", "created_at", "reference")
    lookup_field = "reference"
    lookup_value_regex = r"REQ-[0-9]{4}-[0-9]{1,10}"

    def get_queryset(self):
        return (
            case_selectors.request_list(user=self.request.user)
            .select_related(None)
            .select_related("requesting_organization")  # not the case officer: not given
            .prefetch_related("categories", "kinds")
        )

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.RequestDetailSerializer
        return super().get_serializer_class()

    def get_object(self):
        case = case_selectors.request_get(
            user=self.request.user, reference=self.kwargs["reference"]
        )
        audit_case_view(user=self.request.user, case=case, channel="api")
        return case

    def create(self, request, *args, **kwargs):
        data = _data(serializers.RequestCreateSerializer, request)
        organization = data.pop("organization")
        case = case_services.request_create(actor=request.user, organization=organization, **data)
        return Response(
            serializers.RequestSerializer(self.get_object_for(case)).data,
            status=status.HTTP_201_CREATED,
        )

    def partial_update(self, request, *args, **kwargs):
        case = self.get_object()
        data = _data(serializers.RequestWriteSerializer, request, partial=True)
        case_services.request_update(actor=request.user, case=case, **data)
        return Response(serializers.RequestSerializer(self.get_object_for(case)).data)

    def get_object_for(self, case):
        return case_selectors.request_get(user=self.request.user, reference=case.reference)

    @extend_schema(
        summary="Fire a lifecycle transition",
        tags=["requests"],
        request=serializers.TransitionSerializer,
        responses={200: serializers.RequestSerializer},
    )
    @action(detail=True, methods=["post"], url_path="transitions")
    def transition(self, request, reference=None, **kwargs):
        case = self.get_object()
        data = _data(serializers.TransitionSerializer, request)
        case_services.request_transition(actor=request.user, case=case, **data)
        return Response(serializers.RequestSerializer(self.get_object_for(case)).data)

    @extend_schema(
        methods=["GET"],
        summary="Likely duplicates and related needs of a request (UNODA)",
        tags=["requests"],
        responses={200: serializers.LikenessSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Decide on a likely duplicate or related need (UNODA)",
        tags=["requests"],
        request=serializers.DuplicateDecisionSerializer,
        responses={200: serializers.LikenessSerializer(many=True)},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def duplicates(self, request, reference=None, **kwargs):
        case = self.get_object()
        if not user_is_unoda(request.user):
            raise PermissionDenied(_("Only UNODA officers decide on duplicates."))
        if request.method == "POST":
            data = _data(serializers.DuplicateDecisionSerializer, request)
            case_services.case_duplicate_decide(
                actor=request.user,
                case=case,
                other_reference=data["reference"],
                decision=data["decision"],
                note=data["note"],
            )
            case = self.get_object_for(case)
        found = likenesses(case) if checked(case) else []
        return Response(serializers.LikenessSerializer(found, many=True).data)

    @extend_schema(
        summary="The indicators of a case's results framework, with the values reached",
        description="Outcomes' indicators first, then the outputs'; each with its baseline, "
        "target, the values reached by the end of each reported period (given with the "
        "progress reports), and whether it is behind schedule or met its target. Whoever may "
        "see the case reads it; the evidence is named to UNODA and the agreement's parties "
        "only.",
        tags=["case records"],
        responses={200: serializers.IndicatorStandingSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def actuals(self, request, reference=None, **kwargs):
        access = case_selectors.case_access(user=request.user, reference=reference)
        results = followup_selectors.case_results(access=access)
        agreement = followup_selectors.agreement_get(access=access)
        context = {
            "records_visible": agreement is not None
            and can_see_agreement_records(request.user, agreement)
        }
        return Response(
            serializers.IndicatorStandingSerializer(
                results.standings, many=True, context=context
            ).data
        )

    @extend_schema(
        summary="Status history of a case",
        tags=["requests"],
        responses={200: serializers.StatusChangeSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, reference=None, **kwargs):
        case = self.get_object()
        changes = case_selectors.request_history(case=case)
        return Response(serializers.StatusChangeSerializer(changes, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="The agreement of a case, with its signed documents and amendments",
        description="404 before an agreement is recorded. The signed documents and the "
        "corrections and amendments are listed to UNODA and the agreement's parties only; a "
        "donor that may read the case but did not sign sees the agreement without them, as on "
        "the plan page.",
        tags=["case records"],
        responses={200: serializers.AgreementSerializer},
    )
    @extend_schema(
        methods=["POST"],
        summary="Record the signed agreement (UNODA, while the case has donor interest)",
        tags=["case records"],
        request={
            "application/json": serializers.AgreementRecordSerializer,
            "multipart/form-data": serializers.AgreementRecordSerializer,
        },
        responses={201: serializers.AgreementSerializer},
    )
    @extend_schema(
        methods=["PATCH"],
        summary="Correct or amend the agreement (UNODA, while it runs), saying why",
        tags=["case records"],
        request={
            "application/json": serializers.AgreementUpdateSerializer,
            "multipart/form-data": serializers.AgreementUpdateSerializer,
        },
        responses={200: serializers.AgreementSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post", "patch"],
        pagination_class=None,
        filterset_class=None,
        parser_classes=[PortalJSONParser, MultiPartParser],
    )
    def agreement(self, request, reference=None, **kwargs):
        if request.method in ("POST", "PATCH") and not can_record_agreement(request.user):
            self.get_object()  # a case the caller may not see is a 404 first
            raise PermissionDenied(_("Only UNODA officers record and change agreements."))
        if request.method == "POST":
            case = self.get_object()
            data = _data(serializers.AgreementRecordSerializer, request)
            files = data.pop("documents", [])
            followup_services.agreement_record(
                actor=request.user,
                case=case,
                documents=[(file.name, file) for file in files],
                **data,
            )
            return self._agreement_answer(status.HTTP_201_CREATED)
        if request.method == "PATCH":
            agreement = self._agreement()
            data = _data(serializers.AgreementUpdateSerializer, request, partial=True)
            followup_services.agreement_update(
                actor=request.user,
                agreement=agreement,
                kind=data.pop("kind", ""),
                reason=data.pop("reason", ""),
                **data,
            )
        return self._agreement_answer()

    def _agreement_answer(self, code=status.HTTP_200_OK):
        agreement = self._agreement()
        context = {
            "records_visible": can_see_agreement_records(self.request.user, agreement),
            "history": followup_selectors.agreement_history(
                user=self.request.user, agreement=agreement
            ),
        }
        return Response(serializers.AgreementSerializer(agreement, context=context).data, code)

    @extend_schema(
        summary="Add a signed document to the agreement (UNODA, while it runs)",
        tags=["case records"],
        request={"multipart/form-data": serializers.AgreementDocumentCreateSerializer},
        responses={201: serializers.AgreementDocumentSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="agreement/documents",
        url_name="agreement-documents",
        parser_classes=[MultiPartParser],
    )
    def agreement_documents(self, request, reference=None, **kwargs):
        agreement = self._agreement()
        if not can_record_agreement(request.user):
            raise PermissionDenied(_("Only UNODA officers add agreement documents."))
        data = _data(serializers.AgreementDocumentCreateSerializer, request)
        document = followup_services.agreement_document_add(
            actor=request.user, agreement=agreement, **data
        )
        return Response(
            serializers.AgreementDocumentSerializer(document).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Download a signed document of the agreement (UNODA and the agreement's parties)",
        tags=["case records"],
        responses=FILE_RESPONSES,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=f"agreement/documents/(?P<document_id>{ID_REGEX})",
        url_name="agreement-document",
        pagination_class=None,
        filterset_class=None,
        content_negotiation_class=AnyAccept,
    )
    def agreement_document(self, request, reference=None, document_id=None, **kwargs):
        case = self.get_object()
        try:
            document = followup_selectors.agreement_document_get(
                access=access_of(request.user, case), pk=int(document_id)
            )
        except (AgreementDocument.DoesNotExist, DjangoPermissionDenied):
            raise NotFound from None
        return file_response(
            user=request.user,
            case=case,
            file=document.file,
            detail={"agreement_document": document.pk},
        )

    def _agreement(self):
        case = self.get_object()
        agreement = followup_selectors.agreement_get(access=access_of(self.request.user, case))
        if agreement is None:
            raise NotFound(_("No agreement has been recorded for this case."))
        return agreement


@extend_schema_view(
    list=extend_schema(summary="Offers (UNODA all; a donor its own)", tags=["offers"]),
    retrieve=extend_schema(summary="One offer", tags=["offers"]),
    create=extend_schema(
        summary="Post an offer for your donor organization",
        tags=["offers"],
        request=serializers.OfferCreateSerializer,
        responses={201: serializers.OfferSerializer},
    ),
    partial_update=extend_schema(
        summary="Change an offer",
        tags=["offers"],
        request=serializers.OfferWriteSerializer,
        responses={200: serializers.OfferSerializer},
    ),
)
class OfferViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, PortalViewSet
):
    serializer_class = serializers.OfferSerializer
    filterset_class = filters.OfferFilter
    ordering_fields = ("valid_from", "created_at")

    def get_queryset(self):
        return funding_selectors.offer_list(user=self.request.user).order_by("-valid_from", "pk")

    def create(self, request, *args, **kwargs):
        data = _data(serializers.OfferCreateSerializer, request)
        offer = funding_services.offer_create(actor=request.user, **data)
        return Response(
            serializers.OfferSerializer(self.get_queryset().get(pk=offer.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    def partial_update(self, request, *args, **kwargs):
        offer = self.get_object()
        data = _data(serializers.OfferWriteSerializer, request, partial=True)
        funding_services.offer_update(actor=request.user, offer=offer, **data)
        return Response(serializers.OfferSerializer(self.get_queryset().get(pk=offer.pk)).data)


@extend_schema_view(
    list=extend_schema(summary="Expressions of interest you may see", tags=["interest"]),
    retrieve=extend_schema(summary="One expression of interest", tags=["interest"]),
    create=extend_schema(
        summary="Express interest in a case for your donor organization",
        tags=["interest"],
        request=serializers.InterestCreateSerializer,
        responses={201: serializers.InterestSerializer},
    ),
)
class InterestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, PortalViewSet
):
    serializer_class = serializers.InterestSerializer
    filterset_class = filters.InterestFilter
    ordering_fields = ("created_at",)

    def get_queryset(self):
        return funding_selectors.interest_list(user=self.request.user).order_by(
            "-created_at", "-pk"
        )

    def create(self, request, *args, **kwargs):
        data = _data(serializers.InterestCreateSerializer, request)
        interest = funding_services.interest_express(
            actor=request.user, case=data["request"], donor=data["donor"], message=data["message"]
        )
        return Response(
            serializers.InterestSerializer(interest).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Withdraw an active interest",
        tags=["interest"],
        request=None,
        responses={200: serializers.InterestSerializer},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None, **kwargs):
        interest = self.get_object()
        interest = funding_services.interest_withdraw(actor=request.user, interest=interest)
        return Response(serializers.InterestSerializer(interest).data)


@extend_schema_view(
    list=extend_schema(
        summary="Commitments (UNODA all; a donor its own; a State those on its cases)",
        tags=["commitments"],
    ),
    retrieve=extend_schema(summary="One commitment with its disbursements", tags=["commitments"]),
    create=extend_schema(
        summary="Record a pledge or a firm commitment",
        tags=["commitments"],
        request=serializers.CommitmentCreateSerializer,
        responses={201: serializers.CommitmentSerializer},
        examples=[
            OpenApiExample(
                "A pledge",
                summary="A donor pledges 25,000 US dollars to a published request",
                value={
                    "request": "REQ-2026-0007",
                    "donor": 12,
                    "amount": "25000.00",
                    "currency": "USD",
                    "status": "pledged",
                },
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Change amount, currency, expected date or note",
        tags=["commitments"],
        request=serializers.CommitmentUpdateSerializer,
        responses={200: serializers.CommitmentSerializer},
    ),
)
class CommitmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, PortalViewSet
):
    serializer_class = serializers.CommitmentSerializer
    filterset_class = filters.CommitmentFilter
    ordering_fields = ("created_at", "pledged_on", "committed_on")

    def get_queryset(self):
        return funding_selectors.commitment_list(user=self.request.user).prefetch_related(
            Prefetch("disbursements", queryset=Disbursement.objects.order_by("date", "pk"))
        )

    def _answer(self, commitment, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=commitment.pk)
        return Response(serializers.CommitmentSerializer(fresh).data, status=code)

    def create(self, request, *args, **kwargs):
        data = _data(serializers.CommitmentCreateSerializer, request)
        case = data.pop("request")
        commitment = funding_services.commitment_create(actor=request.user, case=case, **data)
        return self._answer(commitment, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        commitment = self.get_object()
        data = _data(serializers.CommitmentUpdateSerializer, request, partial=True)
        funding_services.commitment_update(actor=request.user, commitment=commitment, **data)
        return self._answer(commitment)

    @extend_schema(
        summary="Turn a pledge into a firm commitment",
        tags=["commitments"],
        request=serializers.CommitmentConfirmSerializer,
        responses={200: serializers.CommitmentSerializer},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None, **kwargs):
        commitment = self.get_object()
        data = _data(serializers.CommitmentConfirmSerializer, request)
        funding_services.commitment_confirm(actor=request.user, commitment=commitment, **data)
        return self._answer(commitment)

    @extend_schema(
        summary="Cancel a pledge or commitment without disbursements",
        tags=["commitments"],
        request=serializers.CommitmentCancelSerializer,
        responses={200: serializers.CommitmentSerializer},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None, **kwargs):
        commitment = self.get_object()
        data = _data(serializers.CommitmentCancelSerializer, request)
        funding_services.commitment_cancel(actor=request.user, commitment=commitment, **data)
        return self._answer(commitment)

    @extend_schema(
        methods=["GET"],
        summary="Disbursements of a commitment",
        tags=["commitments"],
        responses={200: serializers.DisbursementSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Record a disbursement on a firm commitment",
        tags=["commitments"],
        request=serializers.DisbursementCreateSerializer,
        responses={201: serializers.DisbursementSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def disbursements(self, request, pk=None, **kwargs):
        commitment = self.get_object()
        if request.method == "GET":
            items = commitment.disbursements.order_by("date", "pk")
            return Response(serializers.DisbursementSerializer(items, many=True).data)
        data = _data(serializers.DisbursementCreateSerializer, request)
        disbursement = funding_services.disbursement_record(
            actor=request.user, commitment=commitment, **data
        )
        return Response(
            serializers.DisbursementSerializer(disbursement).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(
    list=extend_schema(summary="Organizations (directory)", tags=["organizations"]),
    retrieve=extend_schema(summary="One organization", tags=["organizations"]),
)
class OrganizationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortalViewSet):
    """The directory of organizations (name, kind, country, region, capacities), read-only."""

    serializer_class = serializers.OrganizationSerializer
    filterset_class = filters.OrganizationFilter
    ordering_fields = ("name",)
    queryset = Organization.objects.order_by("name")
