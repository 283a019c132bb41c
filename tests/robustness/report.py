"""What the robustness suite checked, counted across the run and printed in its summary.

Each test adds to `counts(config)` (fuzz cases per target, URL × role pairs). Under pytest-xdist
every worker counts its own tests and hands its counts to the controller when it finishes, which
prints the totals (see tests/conftest.py, where the hooks are: the controller loads only that
conftest).
"""

from collections import Counter

import pytest

KEY = pytest.StashKey[Counter]()
GROUPS = ("fuzz cases", "URL × role pairs")
WORKER_OUTPUT = "robustness_report"


def counts(config):
    if KEY not in config.stash:
        config.stash[KEY] = Counter()
    return config.stash[KEY]


def write_summary(terminalreporter, config):
    totals = counts(config)
    if not totals:
        return
    terminalreporter.section("robustness")
    for group in GROUPS:
        lines = sorted((name, n) for name, n in totals.items() if name.startswith(group))
        for name, n in lines:
            terminalreporter.write_line(f"{name}: {n:,}")
        if lines:
            terminalreporter.write_line(f"{group}, total: {sum(n for _, n in lines):,}")


def fuzz_shortfall(totals):
    """Why the fuzz falls short of the cases the issue asks for (10,000 in all), or None; also
    None when only part of it ran (a -k selection, STACKWISE_FUZZ_SCALE < 1). Under pytest-xdist
    the controller asks this of the workers' totals, since the fuzz's own last test sees only
    what its worker ran."""
    from tests.robustness.test_fuzz import CASES, MINIMUM_TOTAL, SCALE

    done = {name: n for name, n in totals.items() if name.startswith("fuzz cases")}
    if SCALE < 1 or len(done) < len(CASES):
        return None
    if sum(done.values()) >= MINIMUM_TOTAL:
        return None
    return f"the fuzz ran {sum(done.values()):,} cases, fewer than {MINIMUM_TOTAL:,}: {done}"
