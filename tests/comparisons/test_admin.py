import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from comparisons.models import Citation, Claim, Criterion, Source
from tests.factories import make_claim, make_framework, make_knowledge_base, make_source

pytestmark = pytest.mark.django_db

MODELS = ["framework", "criterion", "source", "claim", "citation"]


@pytest.mark.parametrize("model", MODELS)
def test_editor_can_open_every_changelist_and_form(editor_client, knowledge_base, model):
    claim = knowledge_base["claims"][0]
    objects = {
        "framework": claim.framework,
        "criterion": claim.criterion,
        "source": knowledge_base["sources"][0],
        "claim": claim,
        "citation": claim.citations.first(),
    }
    for url in (
        reverse(f"admin:comparisons_{model}_changelist"),
        reverse(f"admin:comparisons_{model}_add"),
        reverse(f"admin:comparisons_{model}_change", args=[objects[model].pk]),
        reverse(f"admin:comparisons_{model}_history", args=[objects[model].pk]),
    ):
        assert editor_client.get(url).status_code == 200, url


def test_editor_adds_a_claim_with_two_citations_in_one_form(editor_client, editor):
    framework = make_framework()
    criterion = Criterion.objects.create(
        name="Admin panel", slug="admin-panel", definition="d", category="capabilities"
    )
    source = make_source()
    response = editor_client.post(
        reverse("admin:comparisons_claim_add"),
        {
            "framework": framework.pk,
            "criterion": criterion.pk,
            "statement": "Ships an admin.",
            "score": 2,
            "weight": 3,
            "status": "published",
            "editor_note": "",
            "citations-TOTAL_FORMS": 2,
            "citations-INITIAL_FORMS": 0,
            "citations-MIN_NUM_FORMS": 0,
            "citations-MAX_NUM_FORMS": 1000,
            "citations-0-source": source.pk,
            "citations-0-stance": "supports",
            "citations-0-excerpt": "It has an admin.",
            "citations-0-location": "Intro",
            "citations-1-source": source.pk,
            "citations-1-stance": "contradicts",
            "citations-1-excerpt": "It has no admin.",
            "citations-1-location": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    claim = Claim.objects.get()
    assert claim.citations.count() == 2
    assert (claim.created_by, claim.updated_by) == (editor, editor)
    # Its sources (of the same standing) disagree: contested, never silently re-statused.
    assert claim.status == Claim.Status.PUBLISHED
    assert claim.verdict == "contested"
    assert "shown as contested" in response.content.decode()


def test_a_published_claim_without_citations_is_saved_but_not_shown(editor_client, client):
    framework = make_framework()
    criterion = Criterion.objects.create(name="C", slug="c", definition="d", category="cost")
    response = editor_client.post(
        reverse("admin:comparisons_claim_add"),
        {
            "framework": framework.pk,
            "criterion": criterion.pk,
            "statement": "Uncited.",
            "score": 1,
            "weight": 3,
            "status": "published",
            "citations-TOTAL_FORMS": 0,
            "citations-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert claim.status == Claim.Status.PUBLISHED and claim.verdict == "unsupported"
    page = editor_client.get(response.url).content.decode()
    assert "published but not shown: it has no citation yet" in page
    assert not Claim.objects.published().exists()
    assert "Uncited." not in client.get(reverse("comparisons:claim-list")).content.decode()


def test_editor_cannot_manage_users_or_delete_sources(editor_client, editor):
    source = make_claim().citations.get().source
    assert editor_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert editor_client.get(reverse("admin:auth_user_change", args=[editor.pk])).status_code == 403
    assert editor_client.get(reverse("admin:auth_group_changelist")).status_code == 403
    delete = reverse("admin:comparisons_source_delete", args=[source.pk])
    assert editor_client.post(delete, {"post": "yes"}).status_code == 403
    assert Source.objects.filter(pk=source.pk).exists()


def test_deleting_a_cited_source_is_refused_in_plain_words(admin_client):
    source = make_claim().citations.get().source
    response = admin_client.post(
        reverse("admin:comparisons_source_delete", args=[source.pk]), {"post": "yes"}, follow=True
    )
    assert "cannot be deleted: it is the evidence for 1 claim" in response.content.decode()
    assert Source.objects.filter(pk=source.pk).exists()


def test_an_uncited_source_can_be_deleted_by_an_admin(admin_client):
    source = make_source()
    admin_client.post(reverse("admin:comparisons_source_delete", args=[source.pk]), {"post": "yes"})
    assert not Source.objects.filter(pk=source.pk).exists()


@pytest.mark.parametrize("model", MODELS)
def test_anonymous_users_are_sent_to_the_login(client, model):
    url = reverse(f"admin:comparisons_{model}_changelist")
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_a_non_editor_staff_member_is_refused(client, db):
    user = User.objects.create_user("visitor", password="x", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:comparisons_claim_changelist")).status_code == 403


@pytest.mark.parametrize(
    "action, expected",
    [("publish", "published"), ("back_to_draft", "draft"), ("retract", "retracted")],
)
def test_bulk_actions_change_status_with_a_message_and_history(editor_client, action, expected):
    start = Claim.Status.PUBLISHED if expected == "draft" else Claim.Status.DRAFT
    cited = make_claim(status=start)
    uncited = make_claim(status=start, citations=False)
    response = editor_client.post(
        reverse("admin:comparisons_claim_changelist"),
        {"action": action, "_selected_action": [cited.pk, uncited.pk]},
        follow=True,
    )
    cited.refresh_from_db()
    uncited.refresh_from_db()
    assert cited.status == uncited.status == expected
    assert cited.history.count() == 2
    text = response.content.decode()
    assert f"2 claims {'sent back to draft' if expected == 'draft' else expected}" in text
    if action == "publish":
        assert "1 of them is not shown yet: a claim needs at least one citation" in text


def test_publishing_a_claim_a_stronger_source_contradicts_shows_it_refuted(editor_client):
    claim = make_claim(status=Claim.Status.DRAFT, source=make_source(reliability=1))
    licence = make_source(reliability=5)
    Citation.objects.create(claim=claim, source=licence, excerpt="No.", stance="contradicts")
    editor_client.post(
        reverse("admin:comparisons_claim_changelist"),
        {"action": "publish", "_selected_action": [claim.pk]},
    )
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED and claim.verdict == "refuted"
    page = editor_client.get(reverse("admin:comparisons_claim_change", args=[claim.pk]))
    text = page.content.decode()
    assert "Refuted. The contradicting evidence (reliability 5) is stronger" in text
    assert "counts as 0.00 of its weight" in text


def test_the_changelist_shows_and_filters_verdicts_and_effective_weights(editor_client):
    refuted = make_claim(statement="Refuted one", source=make_source(reliability=1))
    Citation.objects.create(claim=refuted, source=make_source(reliability=5), stance="contradicts")
    make_claim(statement="Supported one", source=make_source(reliability=5), weight=4)
    url = reverse("admin:comparisons_claim_changelist")
    text = editor_client.get(url).content.decode()
    assert "Refuted" in text and "0.00 of 3" in text and "4.00 of 4" in text
    filtered = editor_client.get(url, {"verdict": "refuted"}).content.decode()
    assert "Refuted one" in filtered and "Supported one" not in filtered


def test_an_editor_overrides_the_verdict_with_a_reason(editor_client):
    claim = make_claim(source=make_source(reliability=1), statement="Overridden")
    Citation.objects.create(claim=claim, source=make_source(reliability=5), stance="contradicts")
    url = reverse("admin:comparisons_claim_change", args=[claim.pk])
    data = {
        "framework": claim.framework_id,
        "criterion": claim.criterion_id,
        "statement": claim.statement,
        "score": claim.score,
        "weight": claim.weight,
        "status": "published",
        "editor_note": "",
        "verdict_override": "supported",
        "verdict_override_reason": "",
        "citations-TOTAL_FORMS": 0,
        "citations-INITIAL_FORMS": 0,
    }
    refused = editor_client.post(url, data)
    assert refused.status_code == 200
    assert "Say why you set the verdict by hand." in refused.content.decode()
    assert Claim.objects.get(pk=claim.pk).verdict == "refuted"
    data["verdict_override_reason"] = "The licence quoted was replaced in 2025."
    assert editor_client.post(url, data).status_code == 302
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.verdict == "supported" and claim.assessment.is_overridden
    assert claim.history.first().verdict_override_reason.startswith("The licence quoted")
    page = editor_client.get(url).content.decode()
    assert "Set by an editor (the evidence alone says refuted)" in page


def test_the_without_citation_filter(editor_client):
    cited = make_claim(statement="Has evidence")
    make_claim(
        statement="Lacks evidence",
        citations=False,
        status=Claim.Status.DRAFT,
        framework=cited.framework,
    )
    response = editor_client.get(reverse("admin:comparisons_claim_changelist"), {"cited": "no"})
    text = response.content.decode()
    assert "Lacks evidence" in text
    assert "Has evidence" not in text


@pytest.mark.parametrize("model", MODELS)
def test_changelists_take_a_fixed_number_of_queries(
    editor_client, django_assert_max_num_queries, model
):
    url = reverse(f"admin:comparisons_{model}_changelist")
    make_knowledge_base(frameworks=2, criteria=5, claims_per_pair=1)  # 10 claims
    with django_assert_max_num_queries(12):
        small = editor_client.get(url)
    make_knowledge_base(frameworks=10, criteria=10, claims_per_pair=10)  # +1,000 claims
    with django_assert_max_num_queries(12):
        large = editor_client.get(url)
    assert small.status_code == large.status_code == 200


def test_framework_change_form_lists_its_claims_in_a_fixed_number_of_queries(
    editor_client, django_assert_max_num_queries
):
    kb = make_knowledge_base(frameworks=1, criteria=10, claims_per_pair=10)
    framework = kb["frameworks"][0]
    with django_assert_max_num_queries(20):
        response = editor_client.get(
            reverse("admin:comparisons_framework_change", args=[framework.pk])
        )
    assert response.content.decode().count("claims-") > 100


def test_reverting_to_a_version_from_before_a_contradiction_keeps_the_verdict(editor_client):
    claim = make_claim(status=Claim.Status.PUBLISHED, statement="First wording")
    first_version = claim.history.earliest()
    Citation.objects.create(claim=claim, source=make_source(), excerpt="No.", stance="contradicts")
    claim.statement = "Second wording"
    claim.save()
    assert Claim.objects.get(pk=claim.pk).verdict == "contested"
    url = reverse(
        "admin:comparisons_claim_simple_history", args=[claim.pk, first_version.history_id]
    )
    form = editor_client.get(url)
    assert form.status_code == 200
    data = {
        "framework": claim.framework_id,
        "criterion": claim.criterion_id,
        "statement": first_version.statement,
        "score": first_version.score,
        "weight": first_version.weight,
        "status": first_version.status,
        "editor_note": "",
        "verdict_override": "",
        "verdict_override_reason": "",
    }
    response = editor_client.post(url, data)
    assert response.status_code == 302
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.statement == "First wording"
    assert claim.verdict == "contested", "the evidence, not the version, decides the verdict"
