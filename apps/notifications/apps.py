from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .models import Notification

        # A notification saved or deleted one by one (the admin, a cascade) changes its
        # user's unread count; the services that write in bulk forget it themselves.
        for signal in (post_save, post_delete):
            signal.connect(
                _forget_its_user_count,
                sender=Notification,
                dispatch_uid=f"notifications.unread.{signal is post_save}",
            )


def _forget_its_user_count(sender, instance, **kwargs):
    from .selectors import forget_unread_counts

    forget_unread_counts([instance.user_id])
