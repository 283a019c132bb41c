"""Check every citation's quote against its source's current snapshot, and say how many hold.

    manage.py verify_citations              every citation; exit status 1 below 100 % verified
    manage.py verify_citations --source N   one source's citations, with its drift list

Results are stored on the citations (as the admin stores them), so pages show them at once.
"Verified" counts quotes found verbatim and those found after normalising typography
(comparisons.quotes says which normalising is allowed).
"""

from django.core.management import BaseCommand, CommandError
from django.db import transaction

from comparisons import quotes, verification
from comparisons.models import Citation, Source

SHOWN = 50  # quotes listed in full; the rest are counted


class Command(BaseCommand):
    help = (
        "Check every citation against its source's current snapshot and print a summary; exit "
        "with status 1 when fewer than 100 % are verified. --source N also lists its drift."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source", type=int, metavar="N", help="Only the citations of source N."
        )

    def handle(self, *args, source=None, verbosity=1, **options):
        citations = Citation.objects.all()
        if source is not None:
            found = Source.objects.filter(pk=source).first()
            if found is None:
                raise CommandError(f"There is no source {source}.")
            citations = citations.filter(source=found)
            self.stdout.write(f"Source {found.pk}: {found}")
        with transaction.atomic():
            summary = verification.verify(citations)
        self.report(summary, citations, verbosity, detailed=source is not None)
        if summary.total and summary.verified < summary.total:
            raise CommandError(
                f"{summary.total - summary.verified} of {summary.total} quotes are not verified "
                f"({summary.share_verified:.1%} verified).",
                returncode=1,
            )

    def report(self, summary, citations, verbosity, detailed):
        write = self.stdout.write
        total = summary.total
        if not total:
            write("No citation to check.")
            return
        write(f"Checked {total} citation{'s' if total != 1 else ''}:")
        for value, label in Citation.Verification.choices:
            n = summary.counts[value]
            write(f"  {label.lower():<28} {n:>7}  ({n / total:.1%})")
        if summary.normalised:
            kinds = ", ".join(
                f"{quotes.NORMALISATION_LABELS[kind]} {n}" for kind, n in summary.normalised.items()
            )
            write(f"  normalised for: {kinds}")
        write(f"  results changed and stored:  {summary.changed:>7}")
        style = self.style.SUCCESS if summary.verified == total else self.style.ERROR
        write(style(f"Verified: {summary.verified} of {total} ({summary.share_verified:.1%})."))
        if verbosity == 0:
            return
        rows = (
            citations.select_related("claim", "source", "checked_snapshot", "previous_snapshot")
            .defer("checked_snapshot__text", "previous_snapshot__text")
            .order_by("pk")
        )
        if summary.drifted:
            write(
                self.style.WARNING(
                    f"\nDrift: {len(summary.drifted)} quote(s) the source "
                    "no longer holds as quoted:"
                )
            )
            for citation in rows.filter(pk__in=summary.drifted[:SHOWN]):
                self.describe(citation, drift=True)
            self.more(len(summary.drifted))
        elif detailed:
            write("\nDrift: none.")
        lost = [pk for pk in summary.not_found if pk not in set(summary.drifted)]
        if lost:
            write(self.style.WARNING(f"\nNot found: {len(lost)} quote(s):"))
            for citation in rows.filter(pk__in=lost[:SHOWN]):
                self.describe(citation, drift=False)
            self.more(len(lost))

    def describe(self, citation, drift):
        write = self.stdout.write
        claim = citation.claim
        write(
            f"- citation {citation.pk} of claim {claim.pk} ({claim.get_status_display()}): "
            f"{citation.get_verification_display().lower()}"
        )
        if drift and citation.previous_snapshot:
            now = citation.checked_snapshot.label if citation.checked_snapshot else "now"
            write(f"  was in {citation.previous_snapshot.label}; {now} says:")
        write(f"  quote:   {' '.join(citation.excerpt.split())}")
        if citation.nearest_passage:
            diff = []
            for kind, text in quotes.word_diff(citation.excerpt, citation.nearest_passage):
                diff.append(
                    {"equal": text, "delete": f"[-{text}-]", "insert": f"{{+{text}+}}"}[kind]
                )
            write(f"  source:  {' '.join(diff)}")
        else:
            write("  source:  (nothing like it)")

    def more(self, n):
        if n > SHOWN:
            self.stdout.write(f"  … and {n - SHOWN} more.")
