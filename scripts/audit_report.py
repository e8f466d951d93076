"""Read pip-audit's JSON report for scripts/audit.sh and decide its exit status.

Usage: audit_report.py REPORT_JSON PIP_AUDIT_OUTPUT PIP_AUDIT_EXIT_STATUS
Exit 0: every package audited, none vulnerable; 1: a known vulnerability; 2: pip-audit failed;
3: NOT AUDITED (no advisory data could be reached for some or all packages).
"""

import json
import sys

NETWORK_ERRORS = ("ConnectionError", "Max retries exceeded", "NameResolutionError")


def say(line: str, *, loud: bool = False) -> None:
    stream = sys.stderr if loud else sys.stdout
    stream.write(line + "\n")


def main(report_path: str, output_path: str, status: int) -> int:
    with open(output_path) as output_file:
        output = output_file.read()
    try:
        with open(report_path) as report:
            dependencies = json.load(report)["dependencies"]
    except (OSError, ValueError, KeyError):
        say(output, loud=True)
        if any(error in output for error in NETWORK_ERRORS):
            say("pip-audit: NOT AUDITED: the advisory data could not be reached.", loud=True)
            return 3
        say(f"pip-audit: ERROR (exit {status}): the audit did not run to the end.", loud=True)
        return 2

    skipped = [dep for dep in dependencies if dep.get("skip_reason")]
    audited = [dep for dep in dependencies if not dep.get("skip_reason")]
    vulnerable = [dep for dep in audited if dep.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed release"
            say(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    say(
        f"pip-audit: {len(audited)} of {len(dependencies)} locked packages audited, "
        f"{len(vulnerable)} with known vulnerabilities, {len(skipped)} NOT audited."
    )
    if vulnerable:
        return 1
    if skipped:
        names = ", ".join(dep["name"] for dep in skipped[:5])
        more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
        say("*" * 80, loud=True)
        say(
            f"pip-audit: NOT AUDITED: no advisory data could be had for {len(skipped)} of "
            f"{len(dependencies)} locked packages ({names}{more}).\n"
            "They were NOT checked for known vulnerabilities. Run ./scripts/audit.sh where the\n"
            "package index's advisory data is reachable.",
            loud=True,
        )
        say("*" * 80, loud=True)
        return 3
    if status != 0:
        say(output, loud=True)
        return 2
    say("pip-audit: every locked package audited: no known vulnerabilities.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
