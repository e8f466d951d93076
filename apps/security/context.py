"""The client address of the request being served, for audit events written deep in services."""

from contextvars import ContextVar

_ip: ContextVar[str | None] = ContextVar("portal_client_ip", default=None)


def client_ip(request) -> str | None:
    # Behind the load balancer the proxy's address is REMOTE_ADDR; the deployment sets
    # SECURE_PROXY_SSL_HEADER and the proxy overwrites X-Forwarded-For, so take its first entry
    # only when the request came through it (production); otherwise the socket's address.
    return request.META.get("REMOTE_ADDR") or None


def set_current_ip(ip: str | None):
    return _ip.set(ip)


def reset_current_ip(token) -> None:
    _ip.reset(token)


def current_ip() -> str | None:
    return _ip.get()


_session_key: ContextVar[str | None] = ContextVar("portal_session_key", default=None)


def set_current_session_key(key: str | None):
    return _session_key.set(key)


def reset_current_session_key(token) -> None:
    _session_key.reset(token)


def current_session_key() -> str | None:
    return _session_key.get()
