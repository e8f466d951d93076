"""Errors raised by services. Every message is translatable and safe to show to the user."""


class ApplicationError(Exception):
    """A business rule refused the action (e.g. an illegal transition)."""

    def __init__(self, message, *, code: str = "error", extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}

    def __str__(self) -> str:
        return str(self.message)


class ConflictError(ApplicationError):
    """Someone else changed or is changing the same record right now."""

    def __init__(self, message, *, extra: dict | None = None):
        super().__init__(message, code="conflict", extra=extra)
