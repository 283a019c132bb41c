"""The saved snapshot: one declared, versioned type (advisor.schema), and every saved version of
it still rendering.

tests/advisor/snapshots/ holds a consultation saved by each version: engine 1 (before evidence
strength), engine 2 (bands, no snapshot version) and snapshot 3 (must-haves, TOPSIS, the evidence
pool for re-weighing). Before the shape changes again, save one of the current version there.
"""

import ast
import json
import re
from pathlib import Path

import pytest
from django.utils.html import escape

from advisor import schema
from advisor.models import Consultation
from tests.advisor.test_reweigh import page_ranking, reweigh_url
from tests.advisor.test_views import LARGE_TEAM_APP, section, submit

SNAPSHOTS = Path(__file__).parent / "snapshots"
SAVED = sorted(SNAPSHOTS.glob("consultation-*.json"))
ADVISOR = Path(schema.__file__).parent


def saved(path):
    return json.loads(path.read_text())


def test_there_is_a_saved_snapshot_of_every_version_up_to_the_current_one():
    versions = {
        schema.saved_version(saved(path)["result"], saved(path)["engine_version"]) for path in SAVED
    }
    assert versions == set(range(1, schema.SNAPSHOT_VERSION + 1))


@pytest.mark.parametrize("path", SAVED, ids=lambda path: path.stem)
def test_every_saved_version_loads_in_todays_shape_and_renders(client, db, path):
    data = saved(path)
    consultation = Consultation.objects.create(**data)
    snapshot = consultation.snapshot
    assert snapshot.version == schema.saved_version(data["result"], data["engine_version"])
    assert snapshot.recommendation.winner == data["recommended"]
    assert all(isinstance(c, schema.Claim) for c in snapshot.questioned_claims)
    assert all(isinstance(a, schema.Answer) for a in snapshot.answers)
    assert snapshot.answer_weights() == data["weights"]
    # Written back, it is the current version, and reads the same.
    again = schema.Snapshot.load(
        snapshot.result(), answers=data["answers"], weights=data["weights"]
    )
    assert again.version == schema.SNAPSHOT_VERSION
    assert again.recommendation == snapshot.recommendation
    assert again.questioned_claims == snapshot.questioned_claims

    response = client.get(consultation.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    name = data["result"]["frameworks"][data["recommended"]]
    assert f"Our recommendation: {name}</h1>" in html
    assert f"Computed by version {data['engine_version']} of the scoring method" in html
    questioned = section(html, "questioned")
    for claim in snapshot.questioned_claims[:3]:
        assert escape(claim.statement) in questioned
    assert len(page_ranking(html)) == len(data["result"]["recommendation"]["ranking"])


def test_version_1_claims_read_as_contested_with_the_words_of_then():
    snapshot = schema.Snapshot.load(saved(SNAPSHOTS / "consultation-engine-1.json")["result"])
    assert snapshot.version == 1 and snapshot.pool is None and snapshot.must_haves == ()
    assert {c.verdict for c in snapshot.questioned_claims} == {"contested"}
    assert {c.verdict_label for c in snapshot.questioned_claims} == {"Disputed"}
    assert {c.verdict for c in snapshot.decisive_claims} <= {"supported", "contested"}
    assert all(row.strength is None for row in snapshot.evidence)
    assert any(row.contested for row in snapshot.evidence)


def test_the_current_version_round_trips_exactly(client, shipped):
    submit(client, [*LARGE_TEAM_APP, "Async views and handlers, run on an event loop"])
    consultation = Consultation.objects.get()
    assert consultation.result["version"] == schema.SNAPSHOT_VERSION
    snapshot = consultation.snapshot
    assert snapshot.version == schema.SNAPSHOT_VERSION and snapshot.reweighable
    assert json.loads(json.dumps(snapshot.result())) == consultation.result
    assert schema.Snapshot.of(consultation) == snapshot
    assert snapshot.chosen_must_haves() == ("async-support",)
    assert snapshot.recommendation.method == "weighted-sum"
    assert snapshot.recommendation.check.method == "topsis"


def test_a_saved_current_snapshot_can_still_be_re_weighed(client, db):
    consultation = Consultation.objects.create(**saved(SNAPSHOTS / "consultation-engine-3.json"))
    url = consultation.get_absolute_url()
    response = client.get(reweigh_url(url, {"performance": 20, "admin-panel": 0}))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="reweighed-notice"' in html
    assert page_ranking(html) != page_ranking(client.get(url).content.decode())


def test_readers_ignore_fields_they_do_not_know():
    data = saved(SNAPSHOTS / "consultation-engine-3.json")["result"]
    data["decisive_claims"][0]["citations"][0]["verified"] = True  # added by a later version
    data["decisive_claims"][0]["a_new_field"] = 1
    snapshot = schema.Snapshot.load(data)
    assert snapshot.decisive_claims[0].citations[0].source


def test_only_the_schema_reads_the_stored_result():
    """The snapshot is read in one place: elsewhere `.result` is written, never indexed."""
    readers = []
    for path in ADVISOR.glob("*.py"):
        if path.name == "schema.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Subscript):
                target = node.value  # something.result[...]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                target = node.func.value if node.func.attr == "get" else None  # .result.get()
            else:
                continue
            if isinstance(target, ast.Attribute) and target.attr == "result":
                readers.append(f"{path.name}:{node.lineno}")
    assert readers == [], readers
    # And the template reads what presentation prepares, not the raw snapshot.
    for template in (ADVISOR.parent / "templates" / "advisor").rglob("*.html"):
        assert not re.search(r"consultation\.result", template.read_text()), template
