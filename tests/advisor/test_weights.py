"""weights_from_answers: defaults plus the chosen options' changes, clamped (no database)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.services import WEIGHT_CEILING, WEIGHT_FLOOR, weights_from_answers

DEFAULTS = {"admin-panel": 5, "flexibility": 5, "cost": 3}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ([], DEFAULTS),
        ([{"admin-panel": 4}], {"admin-panel": 9, "flexibility": 5, "cost": 3}),
        ([{"admin-panel": 4, "flexibility": -2}], {"admin-panel": 9, "flexibility": 3, "cost": 3}),
        (
            [{"admin-panel": 4}, {"admin-panel": 3}],
            {"admin-panel": 12, "flexibility": 5, "cost": 3},
        ),
        ([{"cost": -5}], {"admin-panel": 5, "flexibility": 5, "cost": 0}),
        ([{"cost": 5}] * 5, {"admin-panel": 5, "flexibility": 5, "cost": 20}),
        ([{"unknown-criterion": 5}], DEFAULTS),
        ([{"cost": -5}, {"cost": 5}], {"admin-panel": 5, "flexibility": 5, "cost": 3}),
    ],
    ids=[
        "no answers keep the defaults",
        "one option raises one criterion",
        "one option raises one and lowers another",
        "changes of several options add up",
        "clamped at zero",
        "clamped at the ceiling",
        "unknown criteria are ignored",
        "clamping happens once, after all changes",
    ],
)
def test_weights_from_answers(changes, expected):
    assert weights_from_answers(DEFAULTS, changes) == expected


def test_the_defaults_are_not_modified():
    defaults = dict(DEFAULTS)
    weights_from_answers(defaults, [{"cost": 2}])
    assert defaults == DEFAULTS


changes_strategy = st.lists(
    st.dictionaries(st.sampled_from(sorted(DEFAULTS)), st.integers(-5, 5), max_size=3),
    max_size=12,
)


@given(changes_strategy)
def test_weights_stay_in_range_and_do_not_depend_on_the_order_of_answers(changes):
    weights = weights_from_answers(DEFAULTS, changes)
    assert set(weights) == set(DEFAULTS)
    assert all(WEIGHT_FLOOR <= w <= WEIGHT_CEILING for w in weights.values())
    assert weights_from_answers(DEFAULTS, list(reversed(changes))) == weights


@given(changes_strategy, st.sampled_from(sorted(DEFAULTS)), st.integers(1, 5))
def test_raising_a_criterion_never_lowers_its_weight(changes, criterion, raise_by):
    before = weights_from_answers(DEFAULTS, changes)
    after = weights_from_answers(DEFAULTS, [*changes, {criterion: raise_by}])
    assert after[criterion] >= before[criterion]
    assert {k: v for k, v in after.items() if k != criterion} == {
        k: v for k, v in before.items() if k != criterion
    }
