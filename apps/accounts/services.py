from django.db import transaction

from .models import User


@transaction.atomic
def user_update_preferences(
    *, user: User, language: str, notification_frequency: str | None = None
) -> User:
    """Save the user's language and e-mail frequency (unchanged when not given)."""
    user.language = language
    if notification_frequency is not None:
        user.notification_frequency = notification_frequency
    user.full_clean(exclude=["password"])
    user.save(update_fields=["language", "notification_frequency"])
    return user
