from celery import shared_task

from .services import notification_send_status_change


@shared_task(bind=True, max_retries=5, retry_backoff=True, retry_backoff_max=600)
def notify_status_change(self, status_change_id: int) -> int:
    return len(notification_send_status_change(status_change_id=status_change_id))
