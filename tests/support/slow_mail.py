"""An e-mail backend that hangs while sending, so a test can kill the worker mid-task."""

import os
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend


class HangingFileBackend(EmailBackend):
    def send_messages(self, email_messages):
        Path(os.environ["PORTAL_TEST_SENDING_MARKER"]).write_text("sending")
        time.sleep(120)
        return super().send_messages(email_messages)
