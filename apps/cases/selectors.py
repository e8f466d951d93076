"""Reads of cases, always scoped to what the user may see (lists and details share the scope)."""

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from apps.organizations.selectors import user_is_unoda

from .models import AssistanceRequest, Attachment, StatusChange
from .permissions import VIEW_PERM


def request_list(*, user, filters: dict | None = None) -> QuerySet[AssistanceRequest]:
    if not (user.is_authenticated and user.is_active):
        return AssistanceRequest.objects.none()
    if user_is_unoda(user):
        queryset = AssistanceRequest.objects.all()
    else:
        queryset = get_objects_for_user(
            user,
            VIEW_PERM,
            klass=AssistanceRequest,
            accept_global_perms=False,
            with_superuser=False,
        )
    queryset = queryset.select_related("requesting_organization", "case_officer")
    filters = filters or {}
    if status := filters.get("status"):
        queryset = queryset.filter(status=status)
    if organization := filters.get("organization"):
        queryset = queryset.filter(requesting_organization=organization)
    return queryset.order_by("-status_changed_at", "-pk")


def request_get(*, user, reference: str) -> AssistanceRequest:
    """The case with this reference, or ``AssistanceRequest.DoesNotExist`` if the user may not
    see it (the same answer as for a reference that does not exist)."""
    return (
        request_list(user=user)
        .prefetch_related("categories", "kinds", "selected_donors")
        .get(reference=reference)
    )


def request_history(*, case: AssistanceRequest) -> QuerySet[StatusChange]:
    return case.status_changes.select_related("actor").order_by("created_at", "pk")


def attachment_get(*, user, reference: str, pk: int) -> Attachment:
    """An attachment of a case the user may see, or ``Attachment.DoesNotExist`` (the same
    answer whether the case or the attachment does not exist or is not visible)."""
    case = request_list(user=user).filter(reference=reference).first()
    if case is None:
        raise Attachment.DoesNotExist
    return Attachment.objects.select_related("request__requesting_organization").get(
        request=case, pk=pk
    )
