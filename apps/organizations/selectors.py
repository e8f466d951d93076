from django.db.models import QuerySet

from .models import Organization


def organization_list_for_user(*, user) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user)


def user_is_unoda(user) -> bool:
    return bool(
        user.is_authenticated and user.is_active and (user.is_unoda_officer or user.is_superuser)
    )
