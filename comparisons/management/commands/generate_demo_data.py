"""Fill the database with a large, deterministic knowledge base for load tests and benchmarks.

At --scale N it adds N frameworks (at least 2), 0.6·N criteria (at least 12), 100·N sources,
500·N claims and 800·N citations: at 100, the 100 frameworks, 60 criteria, 10,000 sources,
50,000 claims and 80,000 citations the benchmark needs. The same seed gives the same data.
"""

import math
import random
import sys
import time

from django.core.management import BaseCommand, CommandError
from django.db import transaction

from comparisons.cache import bump_version
from comparisons.models import Citation, Claim, Criterion, Framework, Source

BATCH = 2_000
# 85 % published, 10 % draft, 5 % retracted. What the evidence says of a published claim
# (supported, contested, refuted) follows from its citations' stances and sources' reliability.
STATUSES = 17 * ["published"] + 2 * ["draft"] + ["retracted"]
WORDS = "fast simple flexible secure mature documented typed async modular batteries routing"
WORDS = (WORDS + " templates forms admin caching testing migrations plugins deploy").split(" ")


def shape(scale):
    return {
        "frameworks": max(2, scale),
        "criteria": max(12, math.ceil(0.6 * scale)),
        "sources": 100 * scale,
        "claims": 500 * scale,
        "citations": 800 * scale,
    }


class Progress:
    """Progress on stderr: a bar redrawn in place on a terminal; in a log (not a terminal), one
    line each time a tenth of the work is done, so the log stays readable. Nothing when quiet."""

    STEPS = 10

    def __init__(self, total, enabled, stream=None):
        self.stream = stream or sys.stderr
        self.total, self.done, self.enabled, self.start = total, 0, enabled, time.monotonic()
        self.interactive = self.stream.isatty()
        self.reported = 0  # tenths of the work already reported in a log

    def advance(self, n, label):
        self.done += n
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.start
        counts = f"{self.done:>9,}/{self.total:,} {label:<10} {elapsed:6.1f}s"
        if self.interactive:
            filled = int(30 * self.done / self.total)
            self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {counts}")
        else:
            step = self.STEPS * self.done // self.total
            if step <= self.reported:
                return
            self.reported = step
            self.stream.write(f"{100 * self.done // self.total:3d}% {counts}\n")
        self.stream.flush()

    def finish(self):
        if self.enabled and self.interactive:
            self.stream.write("\n")


class Command(BaseCommand):
    help = "Add a deterministic demo knowledge base of N times the benchmark's unit shape."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="N (1 to 1000).")
        parser.add_argument("--seed", type=int, default=2024)

    def handle(self, *args, scale, seed, **options):
        if not 1 <= scale <= 1000:
            raise CommandError("--scale must be between 1 and 1000.")
        if Framework.objects.filter(slug__startswith="demo-").exists():
            raise CommandError("Demo data is already loaded; use a fresh database.")
        rng = random.Random(seed)
        sizes = shape(scale)
        progress = Progress(
            sum(sizes.values()),
            enabled=options["verbosity"] > 0,
            stream=options.get("stderr") or sys.stderr,
        )
        started = time.monotonic()
        with transaction.atomic():
            frameworks = self.create(
                Framework,
                (
                    Framework(
                        name=f"Demo Framework {i:04d}",
                        slug=f"demo-framework-{i:04d}",
                        tagline=f"A {rng.choice(WORDS)} demo framework",
                        description="Generated for load tests.",
                        licence="BSD-3-Clause",
                        first_release_year=rng.randint(2000, 2024),
                    )
                    for i in range(sizes["frameworks"])
                ),
                progress,
            )
            criteria = self.create(
                Criterion,
                (
                    Criterion(
                        name=f"Demo criterion {i:03d}",
                        slug=f"demo-criterion-{i:03d}",
                        definition="Generated for load tests.",
                        category=rng.choice(Criterion.Category.values),
                        default_weight=rng.randint(1, 10),
                        display_order=1000 + i,
                    )
                    for i in range(sizes["criteria"])
                ),
                progress,
            )
            sources = self.create(
                Source,
                (
                    Source(
                        title=f"Demo source {i:06d}",
                        url=f"https://demo.invalid/sources/{i}",
                        publisher="Demo Publisher",
                        kind=rng.choice(Source.Kind.values),
                        reliability=rng.randint(1, 5),
                    )
                    for i in range(sizes["sources"])
                ),
                progress,
            )
            claims = self.create(
                Claim,
                (
                    Claim(
                        framework=rng.choice(frameworks),
                        criterion=rng.choice(criteria),
                        statement=" ".join(rng.choices(WORDS, k=12)).capitalize() + ".",
                        score=rng.randint(-2, 2),
                        weight=rng.randint(1, 5),
                        status=rng.choice(STATUSES),
                    )
                    for _ in range(sizes["claims"])
                ),
                progress,
            )
            self.create(Citation, self.citations(rng, claims, sources, sizes), progress)
            transaction.on_commit(bump_version)
        progress.finish()
        counts = ", ".join(f"{n:,} {name}" for name, n in sizes.items())
        self.stdout.write(
            self.style.SUCCESS(f"Added {counts} in {time.monotonic() - started:.1f} s.")
        )

    @staticmethod
    def citations(rng, claims, sources, sizes):
        """Every claim gets one supporting citation; the rest, a third of them contradicting,
        at random."""
        for claim in claims:
            yield Citation(
                claim=claim,
                source=rng.choice(sources),
                excerpt="A demo quotation.",
                stance="supports",
            )
        for _ in range(sizes["citations"] - len(claims)):
            yield Citation(
                claim=rng.choice(claims),
                source=rng.choice(sources),
                excerpt="Another demo quotation.",
                stance=rng.choice(["supports", "supports", "contradicts"]),
            )

    @staticmethod
    def create(model, objects, progress):
        created, batch = [], []
        for obj in objects:
            batch.append(obj)
            if len(batch) == BATCH:
                created += model.objects.bulk_create(batch)
                progress.advance(len(batch), model._meta.verbose_name_plural)
                batch = []
        if batch:
            created += model.objects.bulk_create(batch)
            progress.advance(len(batch), model._meta.verbose_name_plural)
        return created
