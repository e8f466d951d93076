from django.core.management.base import BaseCommand

from apps.reminders.services import reminders_sweep


class Command(BaseCommand):
    help = "Run one reminder sweep now and report what it sent (safe while beat runs too)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=200)
        parser.add_argument("--max-items", type=int, default=5000)
        parser.add_argument("--verbose-list", action="store_true", help="List every case.")

    def handle(self, *args, batch_size, max_items, verbose_list, **options):
        report = reminders_sweep(batch_size=batch_size, max_items=max_items)
        self.stdout.write(f"Reminders sent: {report.total}")
        for (code, stage), count in sorted(report.sent.items()):
            self.stdout.write(f"  {code:<32} {stage:<11} {count}")
        if verbose_list:
            for code, stage, reference in report.references:
                self.stdout.write(f"    {reference}  {code} ({stage})")
        self.stdout.write(f"Already sent by another sweep: {report.skipped}")
        self.stdout.write(f"E-mails taken from the outbox and queued: {report.emails_queued}")
