"""scripts/audit_report.py: the dependency audit's verdict from pip-audit's JSON report."""

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit_report.py"
spec = importlib.util.spec_from_file_location("audit_report", SCRIPT)
audit_report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_report)

CLEAN = {"name": "django", "version": "5.2.19", "vulns": []}
VULNERABLE = {
    "name": "django",
    "version": "5.2.19",
    "vulns": [{"id": "PYSEC-0000-1", "fix_versions": ["5.2.20"]}],
}
SKIPPED = {"name": "celery", "skip_reason": "Dependency not found on PyPI and could not be audited"}


def verdict(tmp_path, dependencies, *, output="", status=0):
    report = tmp_path / "report.json"
    if dependencies is not None:
        report.write_text(json.dumps({"dependencies": dependencies, "fixes": []}))
    log = tmp_path / "output.txt"
    log.write_text(output)
    return audit_report.main(str(report), str(log), status)


@pytest.mark.parametrize(
    ("dependencies", "status", "expected"),
    [
        ([CLEAN], 0, 0),
        ([CLEAN, VULNERABLE], 1, 1),
        ([VULNERABLE, SKIPPED], 1, 1),  # a known vulnerability wins over "not audited"
        ([CLEAN, SKIPPED], 0, 3),  # pip-audit says "no known vulnerabilities": not enough
        ([SKIPPED], 0, 3),
    ],
)
def test_verdict(tmp_path, dependencies, status, expected):
    assert verdict(tmp_path, dependencies, status=status) == expected


def test_unreachable_advisory_data_is_not_audited(tmp_path, capsys):
    output = "requests.exceptions.ConnectionError: Max retries exceeded with url: /pypi/x/json"
    assert verdict(tmp_path, None, output=output, status=1) == 3
    assert "NOT AUDITED" in capsys.readouterr().err


def test_other_failures_are_errors(tmp_path):
    assert verdict(tmp_path, None, output="Traceback: bad requirement", status=1) == 2


def test_not_audited_is_said_loudly(tmp_path, capsys):
    verdict(tmp_path, [CLEAN, SKIPPED])
    captured = capsys.readouterr()
    assert "1 of 2 locked packages audited" in captured.out
    assert "NOT AUDITED" in captured.err
    assert "celery" in captured.err
