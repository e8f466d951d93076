from django.core.management.base import BaseCommand

from apps.cases.services import requests_check_consistency


class Command(BaseCommand):
    help = (
        "Find cases whose status disagrees with their history or whose permissions disagree "
        "with their status and visibility; repair the permissions and report (also run daily "
        "by beat)."
    )

    def handle(self, *args, **options):
        findings = requests_check_consistency()
        for finding in findings:
            problems = ", ".join(problem["problem"] for problem in finding["problems"])
            self.stdout.write(f"{finding['reference']}: {problems}")
        self.stdout.write(f"{len(findings)} cases found.")
