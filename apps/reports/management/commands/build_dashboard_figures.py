from django.core.management.base import BaseCommand

from apps.reports.rollup import dashboard_figures_build


class Command(BaseCommand):
    help = "Rebuild the dashboard's figures from every case (also run nightly by beat)."

    def handle(self, *args, **options):
        build = dashboard_figures_build()
        self.stdout.write(f"Dashboard figures built from {build.cases} cases at {build.built_at}.")
