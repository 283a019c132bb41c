"""ClaimEvidence: each claim's best supporting and contradicting reliabilities, kept by triggers.

Filtering claims on their verdict used to work out both reliabilities with two correlated
subqueries per claim: 13 s for one page of refuted claims among 500,000. The database now keeps
them in a table of their own, refreshed by triggers whatever writes citations or sources
(the admin, bulk_create, update(), loaddata), so they cannot drift. PostgreSQL refreshes once
per statement (transition tables), SQLite once per row. A claim's row is made when its first
citation is; deleting citations only updates rows, so deleting a claim never meets a row made
behind Django's back.

Caution for later migrations on SQLite: altering comparisons_citation or comparisons_source
remakes the table and drops its triggers; create them again in the same migration
(tests/comparisons/test_claim_evidence.py fails if they are missing).
"""

import django.db.models.deletion
from django.db import migrations, models

CITATION, SOURCE, SUMMARY = (
    "comparisons_citation",
    "comparisons_source",
    "comparisons_claimevidence",
)


def best(stance, claim):
    """SQL: the best reliability among the sources citing `claim` with `stance` (0: none)."""
    return (
        f"COALESCE((SELECT MAX(s.reliability) FROM {CITATION} ci JOIN {SOURCE} s "
        f"ON s.id = ci.source_id WHERE ci.claim_id = {claim} AND ci.stance = '{stance}'), 0)"
    )


def values(claim):
    return f"{best('supports', claim)}, {best('contradicts', claim)}"


BACKFILL = f"""
INSERT INTO {SUMMARY} (claim_id, support_reliability, contradiction_reliability)
SELECT DISTINCT cited.claim_id, {values("cited.claim_id")} FROM {CITATION} cited
"""

# Refresh the rows of some claims; with add_missing, make the rows those claims do not have yet.
POSTGRESQL = f"""
CREATE FUNCTION comparisons_refresh_claim_evidence(ids bigint[], add_missing boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  UPDATE {SUMMARY} e SET support_reliability = {best("supports", "e.claim_id")},
                         contradiction_reliability = {best("contradicts", "e.claim_id")}
   WHERE e.claim_id = ANY(ids);
  IF add_missing THEN
    INSERT INTO {SUMMARY} (claim_id, support_reliability, contradiction_reliability)
    SELECT x.id, {values("x.id")} FROM unnest(ids) AS x(id)
    ON CONFLICT (claim_id) DO NOTHING;
  END IF;
END $$;

CREATE FUNCTION comparisons_citations_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM comparisons_refresh_claim_evidence(ARRAY(SELECT DISTINCT claim_id FROM new_rows), true);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM comparisons_refresh_claim_evidence(ARRAY(SELECT DISTINCT claim_id FROM old_rows), false);
  ELSE
    PERFORM comparisons_refresh_claim_evidence(ARRAY(
      SELECT unnest(ARRAY[n.claim_id, o.claim_id]) FROM new_rows n JOIN old_rows o ON o.id = n.id
       WHERE (n.claim_id, n.stance, n.source_id) IS DISTINCT FROM (o.claim_id, o.stance, o.source_id)
    ), true);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION comparisons_sources_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM comparisons_refresh_claim_evidence(ARRAY(
    SELECT DISTINCT ci.claim_id FROM {CITATION} ci
      JOIN new_rows n ON n.id = ci.source_id JOIN old_rows o ON o.id = n.id
     WHERE n.reliability IS DISTINCT FROM o.reliability
  ), false);
  RETURN NULL;
END $$;

CREATE TRIGGER comparisons_citations_inserted AFTER INSERT ON {CITATION}
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION comparisons_citations_changed();
CREATE TRIGGER comparisons_citations_updated AFTER UPDATE ON {CITATION}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION comparisons_citations_changed();
CREATE TRIGGER comparisons_citations_deleted AFTER DELETE ON {CITATION}
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION comparisons_citations_changed();
CREATE TRIGGER comparisons_sources_updated AFTER UPDATE ON {SOURCE}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION comparisons_sources_changed();
"""

POSTGRESQL_REVERSE = """
DROP TRIGGER comparisons_citations_inserted ON comparisons_citation;
DROP TRIGGER comparisons_citations_updated ON comparisons_citation;
DROP TRIGGER comparisons_citations_deleted ON comparisons_citation;
DROP TRIGGER comparisons_sources_updated ON comparisons_source;
DROP FUNCTION comparisons_citations_changed();
DROP FUNCTION comparisons_sources_changed();
DROP FUNCTION comparisons_refresh_claim_evidence(bigint[], boolean);
"""


def refresh_sqlite(where):
    return (
        f"UPDATE {SUMMARY} SET support_reliability = {best('supports', f'{SUMMARY}.claim_id')}, "
        f"contradiction_reliability = {best('contradicts', f'{SUMMARY}.claim_id')} WHERE {where};"
    )


def add_sqlite(claim):
    return (
        f"INSERT INTO {SUMMARY} (claim_id, support_reliability, contradiction_reliability) "
        f"SELECT {claim}, 0, 0 WHERE true ON CONFLICT (claim_id) DO NOTHING;"
    )


SQLITE = [
    f"""CREATE TRIGGER comparisons_citations_inserted AFTER INSERT ON {CITATION} BEGIN
    {add_sqlite("NEW.claim_id")} {refresh_sqlite("claim_id = NEW.claim_id")} END""",
    f"""CREATE TRIGGER comparisons_citations_updated
    AFTER UPDATE OF claim_id, stance, source_id ON {CITATION} BEGIN
    {add_sqlite("NEW.claim_id")} {refresh_sqlite("claim_id IN (OLD.claim_id, NEW.claim_id)")} END""",
    f"""CREATE TRIGGER comparisons_citations_deleted AFTER DELETE ON {CITATION} BEGIN
    {refresh_sqlite("claim_id = OLD.claim_id")} END""",
    f"""CREATE TRIGGER comparisons_sources_updated AFTER UPDATE OF reliability ON {SOURCE} BEGIN
    {refresh_sqlite(f"claim_id IN (SELECT claim_id FROM {CITATION} WHERE source_id = NEW.id)")}
    END""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER {name}"
    for name in (
        "comparisons_citations_inserted",
        "comparisons_citations_updated",
        "comparisons_citations_deleted",
        "comparisons_sources_updated",
    )
]


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
    else:
        for statement in SQLITE:
            schema_editor.execute(statement)
    schema_editor.execute(BACKFILL)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REVERSE)
    else:
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("comparisons", "0011_review_existing_claims"),
    ]

    operations = [
        migrations.CreateModel(
            name="ClaimEvidence",
            fields=[
                (
                    "claim",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="evidence_summary",
                        serialize=False,
                        to="comparisons.claim",
                    ),
                ),
                ("support_reliability", models.PositiveSmallIntegerField(default=0)),
                ("contradiction_reliability", models.PositiveSmallIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
