"""Redis is optional at run time: with the broker and the cache (a private Redis) stopped
mid-test, the API answers reads and a transition with a token, a page fires a transition, and
the e-mails go out once Redis is back."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from apps.notifications.models import EmailState, Notification
from apps.notifications.services import notifications_drain_outbox

from ..reminders.test_worker import mail_env  # noqa: F401 (the fixture)
from ..support.smtp import free_port
from ..support.worker import RedisServer, celery_worker, mails_in, publishing_to, wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_api_and_the_pages_work_while_redis_is_down(
    make_case,
    users,
    client,
    tmp_path,
    mail_env,  # noqa: F811
):
    mail_dir, env = mail_env
    case = make_case("submitted")
    token = Token.objects.create(user=users.unoda).key
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    redis_server = RedisServer(free_port())
    redis_server.start()
    cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url.replace("/0", "/1"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    try:
        with (
            override_settings(CACHES=cache),
            celery_worker(broker_url=redis_server.url, log_dir=tmp_path, env=env),
            publishing_to(redis_server.url),
        ):
            assert client.get("/api/v1/requests/", **auth).status_code == 200  # throttle kept
            redis_server.stop()
            assert client.get("/api/v1/requests/", **auth).status_code == 200
            detail = client.get(f"/api/v1/requests/{case.reference}/", **auth)
            assert detail.status_code == 200
            fired = client.post(
                f"/api/v1/requests/{case.reference}/transitions/",
                {"transition": "start_review"},
                content_type="application/json",
                **auth,
            )
            assert fired.status_code == 200, fired.content
            client.force_login(users.unoda)
            page = client.post(
                f"/cases/{case.reference}/transition/",
                {"transition": "return_for_revision", "comment": "Please add the budget."},
            )
            assert page.status_code == 302
            case.refresh_from_db()
            assert case.status == "needs_revision"
            waiting = Notification.objects.filter(
                user=users.recipient, email_state=EmailState.PENDING
            )
            assert waiting.count() == 2
            # Redis back: the outbox drain gets both e-mails out, once each.
            redis_server.start()
            wait_until(
                lambda: notifications_drain_outbox(now=timezone.now() + timedelta(minutes=5)) == 2,
                what="the outbox to reach the broker again",
            )
            wait_until(
                lambda: not waiting.exists(),
                what="the e-mails after Redis came back",
            )
    finally:
        redis_server.stop()
    assert len(mails_in(mail_dir)) == 2
