"""Data safety: evidence is never lost, every change can be undone, a dump restores everything.

- A cited source cannot be deleted, one at a time or in bulk, and the editor is told why.
- Every change editors make through the admin is in the history under their name, and can be
  reverted through simple-history's revert form.
- A public claim keeps its evidence whichever admin page changes it (several do not: recorded
  as expected failures, see the reasons).
- No admin page publishes a claim with a quote its source's current snapshot does not hold, nor
  gives a published claim such a quote: each refuses, says why, and changes nothing.
- dumpdata, then an empty database, then loaddata gives back every row of the knowledge base, the
  questionnaire, the consultations, their history and the users, value for value.
"""

import datetime
import json
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from advisor import services
from advisor.models import Consultation, Option, OptionWeight, Question
from comparisons import verification
from comparisons.models import (
    Citation,
    Claim,
    Criterion,
    Framework,
    ProblemReport,
    Source,
    SourceSnapshot,
)
from tests.factories import make_claim, make_criterion, make_source
from tests.robustness.conftest import as_post, edited_field, read_form, snapshot, with_value

pytestmark = pytest.mark.django_db


def admin_url(obj_or_model, view, *args):
    opts = obj_or_model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


# --- cited sources ----------------------------------------------------------------------------


def test_bulk_deleting_sources_refuses_while_any_is_cited_and_deletes_none(admin_client):
    """The single delete page has its own test (tests/comparisons/test_admin.py)."""
    cited = make_claim().citations.get().source
    uncited = make_source()
    response = admin_client.post(
        admin_url(Source, "changelist"),
        {
            "action": "delete_selected",
            helpers.ACTION_CHECKBOX_NAME: [cited.pk, uncited.pk],
            "index": "0",
            "post": "yes",
        },
        follow=True,
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "protected related objects" in text  # the page says why, and lists the citations
    assert "Citation" in text
    assert Source.objects.filter(pk__in=[cited.pk, uncited.pk]).count() == 2


def test_an_uncited_source_can_still_be_deleted_in_bulk(admin_client):
    uncited = make_source()
    admin_client.post(
        admin_url(Source, "changelist"),
        {
            "action": "delete_selected",
            helpers.ACTION_CHECKBOX_NAME: [uncited.pk],
            "index": "0",
            "post": "yes",
        },
    )
    assert not Source.objects.filter(pk=uncited.pk).exists()


# --- history and revert -------------------------------------------------------------------------


@pytest.fixture
def knowledge(db):
    claim = make_claim()
    Citation.objects.create(claim=claim, source=make_source(), excerpt="Also says so.")
    question = Question.objects.create(text="Need an admin?", order=1)
    option = Option.objects.create(question=question, label="Yes", order=1)
    weight = OptionWeight.objects.create(option=option, criterion=claim.criterion, change=4)
    return {
        Framework: claim.framework,
        Criterion: claim.criterion,
        Source: claim.citations.first().source,
        Claim: claim,
        Citation: claim.citations.first(),
        Question: question,
        Option: option,
        OptionWeight: weight,
        ProblemReport: ProblemReport.objects.create(claim=claim, problem="It is wrong."),
    }


HISTORY_ADMIN_MODELS = [
    model
    for model, model_admin in admin.site._registry.items()
    if hasattr(model_admin, "history_form_view")
]


def latest(obj):
    return obj.history.order_by("-history_id").first()


def test_every_history_tracked_model_can_be_reverted_in_the_admin():
    """Through simple-history's own admin, or (option weights) as an inline of one."""
    tracked = {
        model
        for label in ("comparisons", "advisor")
        for model in apps.get_app_config(label).get_models()
        if hasattr(model, "history") and not model.__name__.startswith("Historical")
    }
    inlines = {
        inline.model
        for model in HISTORY_ADMIN_MODELS
        for inline in admin.site._registry[model].inlines
    }
    assert tracked - set(HISTORY_ADMIN_MODELS) <= inlines
    assert {Framework, Criterion, Source, Claim, Citation, Question, Option} <= tracked


@pytest.mark.parametrize("model", HISTORY_ADMIN_MODELS, ids=lambda m: m._meta.label_lower)
def test_an_editors_change_is_in_the_history_and_can_be_reverted(
    editor_client, editor, knowledge, model
):
    obj = knowledge[model]
    url = admin_url(obj, "change", obj.pk)
    data = read_form(editor_client, url)
    name = edited_field(model, data)
    old = getattr(obj, name)
    response = editor_client.post(url, as_post(with_value(data, name, f"{old}-edited")))
    assert response.status_code == 302, response.content.decode()[:2000]
    obj.refresh_from_db()
    assert getattr(obj, name) == f"{old}-edited"
    change = latest(obj)
    assert (change.history_type, change.history_user) == ("~", editor)
    assert getattr(change.prev_record, name) == old

    revert_url = admin_url(obj, "simple_history", obj.pk, change.prev_record.history_id)
    response = editor_client.post(revert_url, as_post(read_form(editor_client, revert_url)))
    assert response.status_code == 302
    obj.refresh_from_db()
    assert getattr(obj, name) == old
    revert = latest(obj)
    assert revert.history_id > change.history_id
    assert (revert.history_type, revert.history_user) == ("~", editor)


def test_an_effect_changed_on_its_option_is_in_the_history_and_can_be_set_back(
    editor_client, editor, knowledge
):
    """Option weights have no admin page of their own: they are edited, and reverted, inline."""
    option, weight = knowledge[Option], knowledge[OptionWeight]
    url = admin_url(option, "change", option.pk)
    data = read_form(editor_client, url)
    field = next(n for n, _ in data if n.startswith("weights-") and n.endswith("-change"))
    assert editor_client.post(url, as_post(with_value(data, field, "-3"))).status_code == 302
    weight.refresh_from_db()
    assert weight.change == -3
    record = latest(weight)
    assert (record.history_type, record.history_user) == ("~", editor)
    previous = record.prev_record.change
    data = read_form(editor_client, url)
    assert (
        editor_client.post(url, as_post(with_value(data, field, str(previous)))).status_code == 302
    )
    weight.refresh_from_db()
    assert weight.change == previous == 4
    assert latest(weight).history_user == editor


def test_deletions_are_in_the_history_with_their_editor_and_can_be_restored(
    editor_client, editor, knowledge
):
    citation, option = knowledge[Citation], knowledge[Option]
    weight = knowledge[OptionWeight]
    for obj in (citation, option):
        response = editor_client.post(admin_url(obj, "delete", obj.pk), {"post": "yes"})
        assert response.status_code == 302
    for obj in (citation, option, weight):  # the weight went with its option
        record = latest(obj)
        assert (record.history_type, record.history_user) == ("-", editor), obj
        assert not type(obj).objects.filter(pk=obj.pk).exists()
    for obj in (citation, option, weight):  # restored from the history, parents first
        latest(obj).prev_record.instance.save()
    citation.refresh_from_db()
    weight.refresh_from_db()
    assert (citation.excerpt, weight.change, weight.option_id) == (
        "A quoted passage.",
        4,
        option.pk,
    )


def test_bulk_actions_and_list_edits_are_in_the_history_under_the_editor(
    editor_client, editor, knowledge
):
    claim = make_claim(status=Claim.Status.DRAFT)
    editor_client.post(
        admin_url(Claim, "changelist"),
        {"action": "publish", helpers.ACTION_CHECKBOX_NAME: [claim.pk], "index": "0"},
    )
    assert (latest(claim).status, latest(claim).history_user) == ("published", editor)

    criterion = knowledge[Criterion]
    url = admin_url(Criterion, "changelist")
    data = [pair for pair in read_form(editor_client, url) if pair[0] != "action"]
    index = next(n.split("-")[1] for n, v in data if n.endswith("-id") and v == str(criterion.pk))
    data = with_value(data, f"form-{index}-default_weight", "9") + [("_save", "Save")]
    assert editor_client.post(url, as_post(data)).status_code == 302
    assert (latest(criterion).default_weight, latest(criterion).history_user) == (9, editor)


def option_whose_question_was_deleted(client):
    question = Question.objects.create(text="Gone?")
    option = Option.objects.create(question=question, label="With it")
    client.post(admin_url(question, "delete", question.pk), {"post": "yes"})
    return option


def claim_whose_framework_was_deleted(client):
    claim = make_claim()
    source, framework = claim.citations.get().source, claim.framework
    client.post(admin_url(claim, "delete", claim.pk), {"post": "yes"})
    client.post(admin_url(source, "delete", source.pk), {"post": "yes"})
    client.post(admin_url(framework, "delete", framework.pk), {"post": "yes"})
    return claim


def citation_whose_source_was_deleted(client):
    citation = make_claim().citations.get()
    source = citation.source
    client.post(admin_url(citation, "delete", citation.pk), {"post": "yes"})
    client.post(admin_url(source, "delete", source.pk), {"post": "yes"})
    return citation


@pytest.mark.parametrize(
    "deleted",
    [
        pytest.param(option_whose_question_was_deleted, id="option"),
        pytest.param(claim_whose_framework_was_deleted, id="claim"),
        pytest.param(citation_whose_source_was_deleted, id="citation"),
    ],
)
def test_the_history_of_a_deleted_object_stays_readable_and_revertible(admin_client, deleted):
    obj = deleted(admin_client)
    assert not type(obj).objects.filter(pk=obj.pk).exists()
    record = obj.history.order_by("history_id").first()
    assert admin_client.get(admin_url(obj, "history", obj.pk)).status_code == 200
    url = admin_url(obj, "simple_history", obj.pk, record.history_id)
    assert admin_client.get(url).status_code == 200


# --- a public claim keeps its evidence, whatever page changes it --------------------------------


def add_claim_with_a_deleted_invalid_citation_row(client, claim, other):
    """A row marked for deletion (with errors of its own) is no evidence: the claim may be
    saved as published, but it is not public until it has a citation."""
    response = client.post(
        admin_url(Claim, "add"),
        {
            "framework": claim.framework_id,
            "criterion": claim.criterion_id,
            "statement": "New and uncited.",
            "score": 1,
            "weight": 3,
            "status": "published",
            "citations-TOTAL_FORMS": 1,
            "citations-INITIAL_FORMS": 0,
            "citations-0-stance": "contradicts",
            "citations-0-DELETE": "on",
        },
    )
    assert response.status_code in (200, 302)
    return Claim.objects.filter(statement="New and uncited.").first() or claim


def delete_its_only_citation(client, claim, other):
    citation = claim.citations.get()
    client.post(admin_url(citation, "delete", citation.pk), {"post": "yes"})
    return claim


def bulk_delete_its_only_citation(client, claim, other):
    client.post(
        admin_url(Citation, "changelist"),
        {
            "action": "delete_selected",
            helpers.ACTION_CHECKBOX_NAME: [claim.citations.get().pk],
            "index": "0",
            "post": "yes",
        },
    )
    return claim


def move_its_only_citation_to_another_claim(client, claim, other):
    citation = claim.citations.get()
    url = admin_url(citation, "change", citation.pk)
    client.post(url, as_post(with_value(read_form(client, url), "claim", str(other.pk))))
    return claim


def publish_an_uncited_draft_from_its_framework_page(client, claim, other):
    draft = make_claim(
        framework=claim.framework, status=Claim.Status.DRAFT, citations=False, statement="Draft."
    )
    url = admin_url(claim.framework, "change", claim.framework_id)
    data = read_form(client, url)
    index = next(n.split("-")[1] for n, v in data if n.endswith("-id") and v == str(draft.pk))
    client.post(url, as_post(with_value(data, f"claims-{index}-status", "published")))
    return draft


def revert_to_a_published_version_after_its_citations_went(client, claim, other):
    published = latest(claim)
    claim.citations.all().delete()
    claim.status = Claim.Status.DRAFT
    claim.save()
    url = admin_url(claim, "simple_history", claim.pk, published.history_id)
    client.post(url, as_post(read_form(client, url)))
    return claim


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(add_claim_with_a_deleted_invalid_citation_row, id="add-form-deleted-row"),
        pytest.param(delete_its_only_citation, id="citation-delete-page"),
        pytest.param(bulk_delete_its_only_citation, id="citation-bulk-delete"),
        pytest.param(move_its_only_citation_to_another_claim, id="citation-change-page"),
        pytest.param(publish_an_uncited_draft_from_its_framework_page, id="framework-page-rows"),
        pytest.param(revert_to_a_published_version_after_its_citations_went, id="claim-revert"),
    ],
)
def test_no_admin_page_leaves_a_public_claim_without_evidence(editor_client, path):
    claim, other = make_claim(), make_claim()
    claim = path(editor_client, claim, other)
    claim.refresh_from_db()
    public = Claim.objects.published().filter(pk=claim.pk).exists()
    assert claim.citations.exists() or not public, "public without evidence"
    export = editor_client.get("/claims/?format=json")
    listed = json.loads(b"".join(export.streaming_content))["results"]
    assert claim.citations.exists() or claim.pk not in {row["id"] for row in listed}


# --- a published claim shows only quotes its source holds ---------------------------------------

MADE_UP = "It has no admin at all."


@pytest.fixture
def quoted(db):
    """A source with a snapshot; a published claim quoting it; a draft whose quote is not in it,
    published once before (so that its history has a published version)."""
    source = make_source(title="Docs")
    SourceSnapshot.of_text(source, "Intro. It has an admin. The end.", origin="copy").save()
    published = make_claim(source=source, citations=False, statement="Has an admin.")
    Citation.objects.create(claim=published, source=source, excerpt="It has an admin.")
    draft = make_claim(source=source, citations=False, statement="Has none.")
    Citation.objects.create(claim=draft, source=source, excerpt="It has an admin.")
    draft.status = Claim.Status.DRAFT
    draft.save()
    Citation.objects.filter(claim=draft).update(excerpt=MADE_UP)
    verification.verify_source(source.pk)
    assert draft.citations.get().verification == Citation.Verification.NOT_FOUND
    return {"source": source, "published": published, "draft": draft}


def post_form(client, url, changes):
    data = read_form(client, url)
    for name, value in changes.items():
        data = with_value(data, name, value)
    return client.post(url, as_post(data))


def add_a_published_claim_with_a_made_up_quote(client, q):
    claim = q["published"]
    return client.post(
        admin_url(Claim, "add"),
        {
            "framework": claim.framework_id,
            "criterion": claim.criterion_id,
            "statement": "New.",
            "score": 1,
            "weight": 3,
            "status": "published",
            "citations-TOTAL_FORMS": 1,
            "citations-INITIAL_FORMS": 0,
            "citations-0-source": q["source"].pk,
            "citations-0-stance": "supports",
            "citations-0-excerpt": MADE_UP,
        },
    )


def reword_the_quote_on_the_claim_form(client, q):
    url = admin_url(Claim, "change", q["published"].pk)
    return post_form(client, url, {"citations-0-excerpt": MADE_UP})


def publish_the_draft_on_its_form(client, q):
    return post_form(client, admin_url(Claim, "change", q["draft"].pk), {"status": "published"})


def reword_the_quote_on_the_citation_page(client, q):
    citation = q["published"].citations.get()
    return post_form(client, admin_url(Citation, "change", citation.pk), {"excerpt": MADE_UP})


def move_the_made_up_quote_to_the_published_claim(client, q):
    citation = q["draft"].citations.get()
    url = admin_url(Citation, "change", citation.pk)
    return post_form(client, url, {"claim": str(q["published"].pk)})


def add_a_made_up_quote_on_the_citation_page(client, q):
    return client.post(
        admin_url(Citation, "add"),
        {
            "claim": q["published"].pk,
            "source": q["source"].pk,
            "stance": "contradicts",
            "excerpt": MADE_UP,
        },
    )


def publish_the_draft_with_the_bulk_action(client, q):
    return client.post(
        admin_url(Claim, "changelist"),
        {"action": "publish", helpers.ACTION_CHECKBOX_NAME: [q["draft"].pk], "index": "0"},
    )


def publish_the_draft_from_its_framework_page(client, q):
    draft = q["draft"]
    url = admin_url(Framework, "change", draft.framework_id)
    data = read_form(client, url)
    index = next(n.split("-")[1] for n, v in data if n.endswith("-id") and v == str(draft.pk))
    return client.post(url, as_post(with_value(data, f"claims-{index}-status", "published")))


def revert_the_draft_to_its_published_version(client, q):
    draft = q["draft"]
    published = draft.history.filter(status=Claim.Status.PUBLISHED).order_by("history_id").last()
    url = admin_url(Claim, "simple_history", draft.pk, published.history_id)
    return client.post(url, as_post(read_form(client, url)))


@pytest.mark.parametrize(
    "path",
    [
        add_a_published_claim_with_a_made_up_quote,
        reword_the_quote_on_the_claim_form,
        publish_the_draft_on_its_form,
        reword_the_quote_on_the_citation_page,
        move_the_made_up_quote_to_the_published_claim,
        add_a_made_up_quote_on_the_citation_page,
        publish_the_draft_with_the_bulk_action,
        publish_the_draft_from_its_framework_page,
        revert_the_draft_to_its_published_version,
    ],
    ids=lambda path: path.__name__,
)
def test_no_admin_page_publishes_a_quote_its_source_does_not_hold(editor_client, quoted, path):
    before = snapshot()
    response = path(editor_client, quoted)
    follow = editor_client.get(response["Location"]) if response.status_code == 302 else response
    text = follow.content.decode()
    assert "cannot be published" in text or "was not published" in text, text[:3000]
    assert not Claim.objects.filter(status=Claim.Status.PUBLISHED).with_missing_quotes().exists()
    if response.status_code != 302:  # a form refused: nothing at all was saved
        assert snapshot() == before


def test_a_new_snapshot_flags_a_published_claim_rather_than_unpublishing_it(quoted):
    """Drift is the sources' doing, not an editor's: the claim stays as the editors left it,
    flagged on the drift list and on its page, until one of them decides."""
    published = quoted["published"]
    SourceSnapshot.of_text(quoted["source"], "Intro. The end.", origin="copy v2").save()
    published.refresh_from_db()
    assert published.status == Claim.Status.PUBLISHED
    assert published in Claim.objects.with_vanished_support()
    assert Citation.objects.drifted().filter(claim=published).exists()


# --- dumpdata, an empty database, loaddata ------------------------------------------------------

DUMPED = ["comparisons", "advisor", "auth.user", "auth.group"]


def dumped_models():
    """Every model the dump holds, historical models included."""
    found = []
    for label in DUMPED:
        if "." in label:
            found.append(apps.get_model(label))
        else:
            found += list(apps.get_app_config(label).get_models())
    return found


def rows():
    """Every row of every dumped model as Python values (not JSON: no precision is hidden)."""
    content = {}
    for model in dumped_models():
        fields = [f.attname for f in model._meta.concrete_fields]
        many = [f for f in model._meta.many_to_many]
        content[model._meta.label] = [
            {
                **{name: getattr(obj, name) for name in fields},
                **{
                    f.name: sorted(
                        repr(related.natural_key()) for related in getattr(obj, f.name).all()
                    )
                    for f in many
                },
            }
            for obj in model.objects.order_by("pk")
        ]
    return content


@pytest.fixture
def visitor():
    return Client()


@pytest.fixture
def full_site(visitor, editor_client, editor):
    """The starting content and questionnaire, history, edits by an editor, consultations."""
    call_command("load_starting_content", verbosity=0)
    claim = Claim.objects.order_by("pk").first()
    url = admin_url(claim, "change", claim.pk)
    data = read_form(editor_client, url)
    # Browsers send a textarea's line breaks as CR LF.
    statement = "Edited: ünïcödé ✓ 😀\r\nsecond line"
    editor_client.post(url, as_post(with_value(data, "statement", statement)))
    make_criterion(name="Émojis 🚀", definition="Line one\nline two\r\n\ttabbed \\ \" '")
    questions = services.load_questionnaire()
    for pick in range(3):
        data = {f"q{q.pk}": str(q.choices[pick % len(q.choices)].pk) for q in questions}
        assert visitor.post("/advisor/", data).status_code == 303
    ContentType.objects.clear_cache()
    yield
    # The test's flush gave content types new ids, which the rollback undid: forget them.
    ContentType.objects.clear_cache()


def result_pages(client):
    pages = {}
    for consultation in Consultation.objects.all():
        html = client.get(consultation.get_absolute_url()).content.decode()
        pages[consultation.pk] = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return pages


def dump_empty_load(tmp_path, dump_format):
    """dumpdata to a file, flush the database (as good as a new one), loaddata the file."""
    dump = tmp_path / f"site.{dump_format}"
    call_command(
        "dumpdata", *DUMPED, format=dump_format, natural_foreign=True, output=str(dump), verbosity=0
    )
    if connection.vendor == "postgresql":
        # Foreign keys are checked at commit; TRUNCATE refuses to run with checks pending.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    # flush recreated the content types and permissions, with new ids: natural keys are needed.
    ContentType.objects.clear_cache()
    assert not Framework.objects.exists() and not Group.objects.exists()
    assert not Consultation.objects.exists() and not User.objects.exists()
    call_command("loaddata", str(dump), verbosity=0)


def to_the_millisecond(content):
    def cut(value):
        if isinstance(value, datetime.datetime):
            return value.replace(microsecond=value.microsecond // 1000 * 1000)
        return value

    return {
        label: [{name: cut(value) for name, value in row.items()} for row in table]
        for label, table in content.items()
    }


def test_a_json_dump_restores_every_row_and_every_consultation_page(visitor, full_site, tmp_path):
    """Every row, to the millisecond (JSON dumps keep no more: see the expected failure below)."""
    before = rows()
    pages = result_pages(visitor)
    results = {c.pk: c.result for c in Consultation.objects.all()}
    assert Consultation.objects.count() == 3 and len(before["comparisons.HistoricalClaim"]) > 62

    dump_empty_load(tmp_path, "json")

    after = rows()
    before, after = to_the_millisecond(before), to_the_millisecond(after)
    for label in before:
        assert after[label] == before[label], label
    assert {c.pk: c.result for c in Consultation.objects.all()} == results
    assert result_pages(visitor) == pages


@pytest.mark.parametrize(
    "dump_format",
    [
        pytest.param(
            "json",
            marks=pytest.mark.xfail(
                strict=True,
                raises=AssertionError,
                reason="Django's JSON serializer (DjangoJSONEncoder) writes datetimes to the "
                "millisecond: a JSON dump loses the microseconds of created_at, updated_at and "
                "history_date (harmless for pages; ties in history order become possible).",
            ),
        ),
        pytest.param(
            "xml",
            marks=pytest.mark.xfail(
                strict=True,
                raises=AssertionError,
                reason="XML parsers turn CR LF into LF: an XML dump loses the carriage returns "
                "that browsers send in every multi-line text an editor types in the admin.",
            ),
        ),
    ],
)
def test_a_dump_restores_every_value_exactly(full_site, tmp_path, dump_format):
    before = rows()
    dump_empty_load(tmp_path, dump_format)
    after = rows()
    for label in before:
        assert after[label] == before[label], label
