"""The README's API example (the Python block after ``<!-- api-example -->``) runs as written
against a live server with the demo data: it lists the donor's open needs and records a
pledge."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from apps.funding.models import Commitment, CommitmentStatus

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

README = Path(settings.BASE_DIR, "README.md")


def example() -> str:
    text = README.read_text()
    found = re.search(r"<!-- api-example -->\n```python\n(.*?)```", text, re.DOTALL)
    assert found, "README.md has no <!-- api-example --> Python block"
    return found.group(1)


def test_the_readme_example_lists_needs_and_records_a_pledge(live_server, capsys):
    from django.core.management import call_command

    call_command("seed_demo", stdout=None)
    code = example().replace('"http://127.0.0.1:8000"', repr(live_server.url))
    assert live_server.url in code
    before = Commitment.objects.count()

    exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - the project's own README

    printed = capsys.readouterr().out
    assert re.search(r"^REQ-\d{4}-\d{4} ", printed, re.MULTILINE)  # the needs were listed
    assert "Recorded:" in printed
    assert Commitment.objects.count() == before + 1
    pledge = Commitment.objects.latest("pk")
    assert (pledge.donor.name, pledge.status, str(pledge.amount)) == (
        "Japan",
        CommitmentStatus.PLEDGED,
        "25000.00",
    )
