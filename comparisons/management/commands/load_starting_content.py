"""Load the starting content into an empty knowledge base; leave an edited one alone.

With the content come the snapshots its quotes are checked against: the saved copies of its
sources under fixtures/sources/, each listed in an index.json (fixtures/sources/index.json for the
article's and the Flask and Django copies, fixtures/sources/<slug>/index.json for each further
framework's), and Django's licence, read from the installed Django package. Each one is added as
its source's snapshot, which checks the source's quotes (comparisons.verification).
"""

import importlib.metadata
import io
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, call_command
from django.db import transaction
from django.utils import timezone

from comparisons.models import Framework, Source, SourceSnapshot
from comparisons.source_text import format_of

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
FRAMEWORKS_DIR = FIXTURES_DIR / "frameworks"
SOURCES_DIR = FIXTURES_DIR / "sources"
SOURCES_INDEX = SOURCES_DIR / "index.json"


def fixture_names():
    """The criteria and the article's frameworks, then one file per further framework (its
    sources, claims and citations), then the advisor's questionnaire."""
    frameworks = sorted(f"frameworks/{path.stem}" for path in FRAMEWORKS_DIR.glob("*.json"))
    return ["starting_content", *frameworks, "questionnaire", "must_haves"]


@dataclass(frozen=True)
class SavedCopy:
    """The saved copy of one starting source: a file under fixtures/sources/, or a file of an
    installed package."""

    source_pk: int
    format: str
    version: str
    origin: str
    path: Path | None = None
    package: str = ""
    package_file: str = ""

    @property
    def name(self):
        if self.path is not None:
            return str(self.path.relative_to(SOURCES_DIR))
        return f"{self.package}:{self.package_file}"

    def read_text(self):
        if self.path is not None:
            return self.path.read_text(encoding="utf-8")
        dist = importlib.metadata.distribution(self.package)
        text = dist.read_text(f"licenses/{self.package_file}") or dist.read_text(self.package_file)
        if not text:
            raise FileNotFoundError(f"the installed {self.package} has no {self.package_file}")
        return text


def _framework_name(slug):
    path = FRAMEWORKS_DIR / f"{slug}.json"
    if path.exists():
        for obj in json.loads(path.read_text(encoding="utf-8")):
            if obj["model"] == "comparisons.framework":
                return obj["fields"]["name"]
    return slug


def saved_copies():
    """Every saved copy of a starting source, in the order of the index files."""
    for pk, entry in json.loads(SOURCES_INDEX.read_text(encoding="utf-8")).items():
        if "package" in entry:
            dist = importlib.metadata.distribution(entry["package"])
            yield SavedCopy(
                int(pk),
                entry["format"],
                f"{dist.metadata['Name']} {dist.version}",
                entry["origin"],
                package=entry["package"],
                package_file=entry["package_file"],
            )
        else:
            path = SOURCES_DIR / entry["file"]
            yield SavedCopy(int(pk), entry["format"], entry["version"], entry["origin"], path)
    for index in sorted(SOURCES_DIR.glob("*/index.json")):
        name = _framework_name(index.parent.name)
        for pk, entry in json.loads(index.read_text(encoding="utf-8")).items():
            path = index.parent / entry["file"]
            fmt = entry.get("format") or format_of(path.name) or SourceSnapshot.Format.TEXT
            yield SavedCopy(int(pk), fmt, f"{name} {entry['release']}", entry["origin"], path)


def _fixture_source_urls():
    """{pk: url} of the sources the starting content's fixtures define."""
    urls = {}
    for path in [FIXTURES_DIR / "starting_content.json", *sorted(FRAMEWORKS_DIR.glob("*.json"))]:
        for obj in json.loads(path.read_text(encoding="utf-8")):
            if obj["model"] == "comparisons.source":
                urls[obj["pk"]] = obj["fields"].get("url", "")
    return urls


def add_snapshots(only_missing=False):
    """Add each saved copy as its source's snapshot; the number added. With `only_missing`, only
    for a starting source (same id, same address) that has no snapshot yet."""
    copies = list(saved_copies())
    sources = Source.objects.in_bulk([copy.source_pk for copy in copies])
    if only_missing:
        urls = _fixture_source_urls()
        with_snapshots = set(
            SourceSnapshot.objects.filter(source__in=sources).values_list("source_id", flat=True)
        )
        sources = {
            pk: source
            for pk, source in sources.items()
            if pk not in with_snapshots and source.url == urls.get(pk)
        }
    added = 0
    for copy in copies:
        source = sources.get(copy.source_pk)
        if source is None:
            continue
        snapshot = SourceSnapshot.of_text(
            source,
            copy.read_text(),
            taken_on=source.accessed_on or timezone.localdate(),
            version=copy.version,
            origin=copy.origin,
            format=copy.format,
            file_name=copy.name,
        )
        snapshot.full_clean()
        snapshot.save()  # checks the source's quotes against it
        added += 1
    return added


class Command(BaseCommand):
    help = (
        "Load the starting content, the snapshots of its sources and the questionnaire "
        "(fixtures/) if the knowledge base is empty."
    )

    def handle(self, *args, verbosity, **options):
        if Framework.objects.exists():
            with transaction.atomic():
                added = add_snapshots(only_missing=True)
            if verbosity:
                self.stdout.write("The knowledge base already has content; nothing loaded.")
                if added:
                    self.stdout.write(
                        f"Added {added} snapshot{'s' if added != 1 else ''} of starting sources "
                        "that had none, and checked their quotes."
                    )
            return
        with transaction.atomic():
            call_command("loaddata", *fixture_names(), verbosity=verbosity)
            added = add_snapshots()
        # loaddata bypasses history; record each loaded object as its first version.
        report = self.stdout if verbosity else io.StringIO()
        call_command("populate_history", auto=True, stdout=report)
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Starting content loaded, with {added} source snapshots its quotes are "
                    "checked against."
                )
            )
