"""CSV and JSON export of the claims explorer's filtered set.

The columns are stable: scripts may rely on their names and order. One row per public claim:

- id: the claim's number.
- framework: the framework's name.
- criterion: the criterion's name.
- statement: the claim, as the editors wrote it.
- score: -2 (strongly against the framework) to +2 (strongly for it).
- weight: 1 to 5, how much the claim counts against others on the same framework and criterion.
- verdict: what the evidence says, "supported", "contested" (sources of comparable standing
  disagree; counts at half) or "refuted" (stronger sources contradict it; counts for nothing).
- verdict_reason: why, in a sentence (the reliabilities compared, or the editor's reason).
- evidence_strength: of the best supporting source, 0 to 1 ((reliability / 5) squared).
- effective_weight: weight × evidence strength × verdict factor (1, 0.5 or 0): what the claim
  counts for in every score.
- citation_count: how many citations back or contradict the claim.
- citations: every citation as "Source title | stance | excerpt", joined by " || " in CSV;
  in JSON a list of objects (source, source_url, source_kind, source_reliability, stance,
  excerpt, location).
- source_urls: the cited sources' URLs, joined by " || " in CSV; a list in JSON.
- updated_at: when the claim last changed, ISO 8601 in UTC.
- url: the claim on its framework's page.

In CSV, a text cell that starts with =, +, -, @, a tab or a carriage return is prefixed with an
apostrophe so that spreadsheets show it rather than run it as a formula.

Both formats are streamed and hold at most MAX_ROWS claims: a filter that matches more is
refused with a 400 that says how many it matched and how to narrow it. An export is never kept
whole (nor in the page cache); each claim's record is, like its card, for the knowledge version,
so an editor's change is in the next export.
"""

import csv
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse

from .cache import key_prefix
from .fragments import per_claim_id
from .knowledge import public_claims_by_id

COLUMNS = (
    ("id", "The claim's number."),
    ("framework", "The framework's name."),
    ("criterion", "The criterion's name."),
    ("statement", "The claim, as the editors wrote it."),
    ("score", "-2 (strongly against the framework) to +2 (strongly for it)."),
    ("weight", "1 to 5: how much the claim counts against others on the same pair."),
    (
        "verdict",
        "supported, contested (sources of comparable standing disagree; counts at half) or "
        "refuted (stronger sources contradict it; counts for nothing).",
    ),
    ("verdict_reason", "Why the claim has its verdict."),
    ("evidence_strength", "Strength of the best supporting source, 0 to 1."),
    ("effective_weight", "Weight × evidence strength × verdict factor: what the claim counts."),
    ("citation_count", "How many citations back or contradict the claim."),
    (
        "citations",
        "Each citation as “Source title | stance | excerpt”, joined by “ || ” "
        "(in JSON: a list of objects).",
    ),
    ("source_urls", "The cited sources' URLs, joined by “ || ” (in JSON: a list)."),
    ("updated_at", "When the claim last changed, ISO 8601 in UTC."),
    ("url", "The claim on its framework's page."),
)
COLUMN_NAMES = [name for name, _ in COLUMNS]

SEPARATOR = " || "
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Claims whose records are not kept yet are read in chunks of this many (two queries each).
CHUNK_SIZE = 2000
# The most claims one export holds (about 10 MB of JSON): more is refused, not truncated.
MAX_ROWS = 5000

FILENAME = "stackwise-claims"


def citation_data(citation):
    return {
        "source": citation.source.title,
        "source_url": citation.source.url,
        "source_kind": citation.source.kind,
        "source_reliability": citation.source.reliability,
        "stance": citation.stance,
        "excerpt": citation.excerpt,
        "location": citation.location,
    }


def claim_record(claim):
    """One claim as a dict of the export's columns, its url a path; citations as a list of
    dicts."""
    citations = [citation_data(citation) for citation in claim.citations.all()]
    assessment = claim.assessment
    return {
        "id": claim.pk,
        "framework": claim.framework.name,
        "criterion": claim.criterion.name,
        "statement": claim.statement,
        "score": claim.score,
        "weight": claim.weight,
        "verdict": assessment.verdict,
        "verdict_reason": assessment.reason,
        "evidence_strength": round(assessment.strength, 4),
        "effective_weight": round(assessment.effective_weight, 4),
        "citation_count": len(citations),
        "citations": citations,
        "source_urls": list(dict.fromkeys(c["source_url"] for c in citations if c["source_url"])),
        "updated_at": claim.updated_at.isoformat(),
        "url": f"{claim.framework.get_absolute_url()}#claim-{claim.pk}",
    }


def safe_cell(value):
    """Text that a spreadsheet will not evaluate as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(record):
    flat = dict(record)
    flat["citations"] = SEPARATOR.join(
        f"{c['source']} | {c['stance']} | {c['excerpt']}" for c in record["citations"]
    )
    flat["source_urls"] = SEPARATOR.join(record["source_urls"])
    return [safe_cell(flat[name]) for name in COLUMN_NAMES]


class _Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer output."""

    def write(self, value):
        return value


def export_ids(claims):
    """The ids of `claims` (a queryset, in its order), no more than MAX_ROWS + 1 of them: as many
    as an export holds, and one more to tell that it would hold too many."""
    return list(claims.values_list("pk", flat=True)[: MAX_ROWS + 1])


def records(ids, request):
    """The export's records of the claims `ids`, in order: each kept per claim for the
    knowledge version (as JSON text, which the process copies count by its length), like a
    claim's card; those not kept yet are read CHUNK_SIZE at a time, two queries per chunk.
    Only the claim's address is the request's: its host is added here."""
    # The version of the request's ids, read now: the rows are streamed after it has ended.
    prefix = key_prefix()

    def generate():
        for start in range(0, len(ids), CHUNK_SIZE):
            chunk = ids[start : start + CHUNK_SIZE]
            kept = per_claim_id(chunk, "export", _record_text, public_claims_by_id, prefix)
            for pk in chunk:
                if pk in kept:  # a claim made private since its id was read is left out
                    record = json.loads(kept[pk])
                    record["url"] = request.build_absolute_uri(record["url"])
                    yield record

    return generate()


def _record_text(claim):
    return json.dumps(claim_record(claim), cls=DjangoJSONEncoder)


def csv_response(ids, request):
    """The claims `ids` as a streamed CSV file: a header row, then one row per claim."""
    writer = csv.writer(_Echo())
    rows = records(ids, request)

    def lines():
        yield writer.writerow(COLUMN_NAMES)
        for record in rows:
            yield writer.writerow(csv_row(record))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{FILENAME}.csv"'
    return response


def json_response(ids, request):
    """The claims `ids` as a streamed JSON document:
    {"count": N, "columns": [...], "results": [...]}."""

    def dumps(value):
        return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)

    rows = records(ids, request)

    def chunks():
        yield f'{{"count": {len(ids)}, "columns": {dumps(COLUMN_NAMES)}, "results": ['
        for n, record in enumerate(rows):
            yield ("," if n else "") + dumps(record)
        yield "]}"

    response = StreamingHttpResponse(chunks(), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{FILENAME}.json"'
    return response


def too_large_response(export_format):
    """A filter that matches more claims than an export holds."""
    message = (
        f"This filter matches more than {MAX_ROWS:,} claims; an export holds at most "
        f"{MAX_ROWS:,}. "
        "Narrow it, for example by framework or criterion, and download each part."
    )
    if export_format == "json":
        return JsonResponse(
            {"message": message, "max_rows": MAX_ROWS},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    return HttpResponse(message + "\n", status=400, content_type="text/plain; charset=utf-8")


def errors_response(form_errors, export_format, status=400):
    """A filter the export cannot run: the form's errors as JSON, or as text for CSV."""
    errors = {
        field: [error["message"] for error in field_errors]
        for field, field_errors in form_errors.get_json_data().items()
    }
    if export_format == "json":
        return JsonResponse(
            {"message": "The filter is not valid.", "errors": errors},
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    lines = [f"{field}: {message}" for field, messages in errors.items() for message in messages]
    return HttpResponse(
        "The filter is not valid.\n" + "\n".join(lines) + "\n",
        status=status,
        content_type="text/plain; charset=utf-8",
    )
