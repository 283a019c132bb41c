"""Load the starting content into an empty knowledge base; leave an edited one alone."""

import io
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, call_command

from comparisons.models import Framework

FRAMEWORKS_DIR = Path(settings.BASE_DIR) / "fixtures" / "frameworks"


def fixture_names():
    """The criteria and the article's frameworks, then one file per further framework (its
    sources, claims and citations), then the advisor's questionnaire."""
    frameworks = sorted(f"frameworks/{path.stem}" for path in FRAMEWORKS_DIR.glob("*.json"))
    return ["starting_content", *frameworks, "questionnaire"]


class Command(BaseCommand):
    help = "Load the starting content and questionnaire (fixtures/) if the knowledge base is empty."

    def handle(self, *args, verbosity, **options):
        if Framework.objects.exists():
            if verbosity:
                self.stdout.write("The knowledge base already has content; nothing loaded.")
            return
        call_command("loaddata", *fixture_names(), verbosity=verbosity)
        # loaddata bypasses history; record each loaded object as its first version.
        report = self.stdout if verbosity else io.StringIO()
        call_command("populate_history", auto=True, stdout=report)
        if verbosity:
            self.stdout.write(self.style.SUCCESS("Starting content loaded."))
