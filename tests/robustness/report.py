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
