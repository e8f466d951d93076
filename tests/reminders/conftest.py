from datetime import UTC, datetime

import pytest

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen(time_machine):
    """A clock frozen at START that the test moves on explicitly (no sleeping)."""
    time_machine.move_to(START, tick=False)
    return time_machine
