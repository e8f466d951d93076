"""A real SMTP server on loopback (aiosmtpd) that can refuse the first N messages."""

import socket
from contextlib import contextmanager

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FlakyHandler:
    def __init__(self, fail_first: int):
        self.fail_first = fail_first
        self.attempts = 0
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.attempts <= self.fail_first:
            return "451 4.3.0 Temporary failure, try again later"
        self.messages.append(envelope)
        return "250 OK"


@contextmanager
def smtp_server(*, fail_first: int = 0):
    handler = FlakyHandler(fail_first)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()
