"""Delete consultations older than the retention period (README, "Retention").

A consultation is a visitor's answers and the advice they got, kept so that its permalink works.
After CONSULTATION_RETENTION_DAYS (365 by default) its page answers 404 and the row is deleted;
the editors' figures (the admin's counts per recommendation) cover the retention period. Run it
daily, e.g. from cron: `manage.py prune_consultations`.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management import BaseCommand, CommandError
from django.utils import timezone

from advisor.models import Consultation

BATCH = 1000  # rows per DELETE: short statements, no long lock on the table


class Command(BaseCommand):
    help = "Delete consultations created more than --older-than days ago."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=settings.CONSULTATION_RETENTION_DAYS,
            metavar="DAYS",
            help="Age in days beyond which consultations are deleted "
            f"(default: CONSULTATION_RETENTION_DAYS, {settings.CONSULTATION_RETENTION_DAYS}).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say how many would go; delete nothing."
        )

    def handle(self, *args, older_than, dry_run, verbosity, **options):
        if older_than < 1:
            raise CommandError("--older-than must be at least 1 day.")
        cutoff = timezone.now() - timedelta(days=older_than)
        expired = Consultation.objects.older_than(cutoff)
        if dry_run:
            count = expired.count()
            self.stdout.write(
                f"{count} consultation{'s' if count != 1 else ''} older than {older_than} days "
                "would be deleted (dry run: nothing deleted)."
            )
            return
        deleted = 0
        while batch := list(expired.order_by("created_at").values_list("pk", flat=True)[:BATCH]):
            deleted += Consultation.objects.filter(pk__in=batch).delete()[0]
        if verbosity:
            self.stdout.write(
                f"Deleted {deleted} consultation{'s' if deleted != 1 else ''} "
                f"older than {older_than} days."
            )
