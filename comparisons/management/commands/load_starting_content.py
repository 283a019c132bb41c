"""Load the starting content into an empty knowledge base; leave an edited one alone."""

from django.core.management import BaseCommand, call_command

from comparisons.models import Framework

FIXTURES = ["starting_content", "questionnaire"]


class Command(BaseCommand):
    help = "Load the starting content (fixtures/) if the knowledge base is empty."

    def handle(self, *args, **options):
        if Framework.objects.exists():
            self.stdout.write("The knowledge base already has content; nothing loaded.")
            return
        call_command("loaddata", *FIXTURES, verbosity=options["verbosity"])
        # loaddata bypasses history; record each loaded object as its first version.
        call_command("populate_history", auto=True, verbosity=0)
        self.stdout.write(self.style.SUCCESS("Starting content loaded."))
