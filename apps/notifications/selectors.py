from collections.abc import Iterable

from django.db.models import QuerySet

from apps.core.reference import cached, forget

from .models import Notification


def notification_list(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("request")


def _unread_name(user_id: int) -> str:
    return f"unread-notifications:{user_id}"


def notification_unread_count(*, user) -> int:
    """The badge every page shows: kept between requests (apps/core/reference.py) until the
    user's notifications change (``forget_unread_counts``, called by every service that
    creates notifications or marks them read, and on any save or deletion of one)."""
    if not user.is_authenticated:
        return 0
    return cached(
        _unread_name(user.pk),
        lambda: Notification.objects.filter(user=user, read_at__isnull=True).count(),
    )


def forget_unread_counts(user_ids: Iterable[int]) -> None:
    for user_id in set(user_ids):
        forget(_unread_name(user_id))
