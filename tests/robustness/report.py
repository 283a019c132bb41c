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


def fuzz_check(totals):
    """(whether the whole fuzz ran, why it falls short of the cases the issue asks for, or
    None): it did not all run under a -k selection or STACKWISE_FUZZ_SCALE < 1, and under
    pytest-xdist in each worker, which runs part of it; the controller checks the workers'
    totals (tests/conftest.py), the fuzz's own last test those of its process."""
    from tests.robustness.test_fuzz import CASES, MINIMUM_TOTAL, SCALE

    done = {name: n for name, n in totals.items() if name.startswith("fuzz cases")}
    if SCALE < 1 or len(done) < len(CASES):
        return False, None
    if sum(done.values()) >= MINIMUM_TOTAL:
        return True, None
    return True, f"the fuzz ran {sum(done.values()):,} cases, fewer than {MINIMUM_TOTAL:,}: {done}"
