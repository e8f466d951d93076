from django.db import transaction

from .models import User


@transaction.atomic
def user_update_preferences(*, user: User, language: str, notification_frequency: str) -> User:
    user.language = language
    user.notification_frequency = notification_frequency
    user.full_clean(exclude=["password"])
    user.save(update_fields=["language", "notification_frequency"])
    return user
