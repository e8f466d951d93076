"""Who hears of errors: the ADMINS by e-mail, and Sentry when SENTRY_DSN is set (read by
config/settings/base.py)."""

from email.utils import getaddresses

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration


def admins_from(value: str) -> list[tuple[str, str]]:
    """``"Ada Admin <ada@example.org>, ops@example.org"`` as Django's ADMINS; anything that is
    not an address is left out."""
    return [(name, address) for name, address in getaddresses([value]) if "@" in address]


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # Case data is confidential: no user details, cookies or request bodies are sent.
        send_default_pii=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
    )
