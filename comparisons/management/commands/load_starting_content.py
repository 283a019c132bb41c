"""Load the starting content into an empty knowledge base; leave an edited one alone."""

import io

from django.core.management import BaseCommand, call_command

from comparisons.models import Framework

FIXTURES = ["starting_content", "questionnaire"]


class Command(BaseCommand):
    help = "Load the starting content and questionnaire (fixtures/) if the knowledge base is empty."

    def handle(self, *args, verbosity, **options):
        if Framework.objects.exists():
            if verbosity:
                self.stdout.write("The knowledge base already has content; nothing loaded.")
            return
        call_command("loaddata", *FIXTURES, verbosity=verbosity)
        # loaddata bypasses history; record each loaded object as its first version.
        report = self.stdout if verbosity else io.StringIO()
        call_command("populate_history", auto=True, stdout=report)
        if verbosity:
            self.stdout.write(self.style.SUCCESS("Starting content loaded."))
