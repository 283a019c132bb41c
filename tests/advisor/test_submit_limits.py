"""What a visitor can make the site store through the quiz: one row per distinct answer set and
knowledge version, at most ADVISOR_SUBMIT_RATE new ones per address, and none after retention.

Through the real stack: the test client posts the shipped questionnaire to /advisor/.
"""

import io
import itertools
import re
import uuid
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from django.test import Client
from django.utils import timezone

from advisor import services
from advisor.models import Consultation, ConsultationQuerySet, content_hash
from comparisons.cache import bump_version, current_version

URL = "/advisor/"
README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def answer_sets(n):
    """`n` different valid submissions of the shipped questionnaire, as form data."""
    questions = services.load_questionnaire()
    choices = [[str(option.pk) for option in question.choices] for question in questions]
    names = [f"q{question.pk}" for question in questions]
    combos = itertools.islice(itertools.product(*choices), n)
    sets = [dict(zip(names, combo, strict=True)) for combo in combos]
    assert len(sets) == n, "the questionnaire has too few combinations for this test"
    return sets


def rate():
    from django.conf import settings

    count, period = re.fullmatch(r"(\d+)/(\w)", settings.ADVISOR_SUBMIT_RATE).groups()
    return int(count), period


# --- content addressing ----------------------------------------------------------------------


def test_the_content_hash_ignores_the_order_of_answers_and_options():
    a = [{"question": 1, "options": [3, 2]}, {"question": 5, "options": [9]}]
    b = [{"question": 5, "options": [9]}, {"question": 1, "options": [2, 3]}]
    assert content_hash(a, 7) == content_hash(b, 7)
    assert re.fullmatch(r"[0-9a-f]{64}", content_hash(a, 7))


def test_the_content_hash_changes_with_answers_knowledge_and_engine():
    answers = [{"question": 1, "options": [2]}]
    base = content_hash(answers, 7, "1")
    assert content_hash([{"question": 1, "options": [3]}], 7, "1") != base
    assert content_hash(answers, 8, "1") != base
    assert content_hash(answers, 7, "2") != base
    # An unanswered optional question is the same as one that is not sent.
    assert content_hash([*answers, {"question": 4, "options": []}], 7, "1") == base


def test_a_flood_of_identical_posts_adds_one_row_and_every_one_lands_on_it(client, loaded):
    data = answer_sets(1)[0]
    locations = {client.post(URL, data)["Location"] for _ in range(50)}
    assert Consultation.objects.count() == 1
    consultation = Consultation.objects.get()
    assert locations == {consultation.get_absolute_url()}
    assert consultation.content_hash == content_hash(consultation.answers, current_version())
    # The same answers in another order, from another address, still reuse it.
    other = Client(REMOTE_ADDR="198.51.100.7")
    reordered = dict(reversed(list(data.items())))
    assert other.post(URL, reordered)["Location"] == consultation.get_absolute_url()
    assert Consultation.objects.count() == 1


def test_identical_posts_after_a_knowledge_change_make_a_new_consultation(client, loaded):
    data = answer_sets(1)[0]
    first = client.post(URL, data)["Location"]
    bump_version()  # what an editor's committed change does
    second = client.post(URL, data)["Location"]
    assert first != second
    assert Consultation.objects.count() == 2


def test_a_concurrent_insert_of_the_same_answers_is_answered_with_the_stored_one(client, loaded):
    """Two visitors post the same answers at once: both miss the lookup, the second insert hits
    the unique constraint and is sent to the first one's consultation."""
    data = answer_sets(1)[0]
    winner_url = client.post(URL, data)["Location"]
    winner = Consultation.objects.get()
    real_with_hash = ConsultationQuerySet.with_hash
    misses = iter([None])  # the late request's first lookup runs before the winner commits

    def racing(self, digest):
        return next(misses, None) or real_with_hash(self, digest)

    with mock.patch.object(ConsultationQuerySet, "with_hash", racing):
        response = client.post(URL, data)
    assert response.status_code == 303
    assert response["Location"] == winner_url
    assert list(Consultation.objects.values_list("pk", flat=True)) == [winner.pk]


def test_save_or_reuse_does_not_hide_other_integrity_errors(loaded):
    consultation = services.advise([])
    consultation.save()
    clash = services.advise([])
    clash.pk = consultation.pk  # same primary key, no content hash: a real error
    with pytest.raises(IntegrityError):
        clash.save_or_reuse()


def test_legacy_rows_without_a_hash_may_be_many(loaded):
    for _ in range(3):
        services.advise([]).save()
    assert Consultation.objects.filter(content_hash=None).count() == 3


# --- rate limit -----------------------------------------------------------------------------


def test_the_documented_rate_is_the_configured_one(settings):
    count, period = rate()
    unit = {"s": "second", "m": "minute", "h": "hour", "d": "day"}[period]
    assert f"`{settings.ADVISOR_SUBMIT_RATE}`" in README
    assert f"{count} new consultations per client address per {unit}" in README


def test_a_flood_of_varied_posts_is_limited_to_the_rate_and_answered_429_never_5xx(client, loaded):
    limit, _ = rate()
    client.raise_request_exception = False
    statuses = [client.post(URL, data).status_code for data in answer_sets(limit + 15)]
    assert statuses == [303] * limit + [429] * 15
    assert Consultation.objects.count() == limit


def test_the_429_page_is_friendly_in_the_sites_style_and_says_when_to_retry(client, loaded):
    limit, _ = rate()
    sets = answer_sets(limit + 1)
    for data in sets[:limit]:
        assert client.post(URL, data).status_code == 303
    response = client.post(URL, sets[limit])
    html = response.content.decode()
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "no-cache" in response["Cache-Control"]
    assert "Please slow down a little" in html
    assert "Results you already have keep their addresses" in html
    assert 'class="navbar' in html  # the site's own layout, not a bare error


def test_limited_addresses_still_reach_answers_already_stored_and_others_are_not_limited(
    client, loaded
):
    limit, _ = rate()
    sets = answer_sets(limit + 2)
    urls = [client.post(URL, data)["Location"] for data in sets[:limit]]
    assert client.post(URL, sets[limit]).status_code == 429
    # Answers someone already got cost nothing: they are still answered.
    assert client.post(URL, sets[0])["Location"] == urls[0]
    # Another address has its own count.
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.post(URL, sets[limit]).status_code == 303
    assert Consultation.objects.count() == limit + 1


def test_invalid_posts_are_400_and_do_not_use_up_the_rate(client, loaded):
    for _ in range(40):
        assert client.post(URL, {"q1": "not an option"}).status_code == 400
    assert client.post(URL, answer_sets(1)[0]).status_code == 303


def test_behind_a_proxy_the_client_is_the_right_most_untrusted_hop(settings, loaded):
    settings.TRUSTED_PROXY_COUNT = 1
    limit, _ = rate()
    sets = answer_sets(limit + 2)
    # The same client behind the proxy, forging a different left-most X-Forwarded-For each time.
    for n, data in enumerate(sets[:limit]):
        forged = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.9.{n}.1, 192.0.2.50")
        assert forged.post(URL, data).status_code == 303
    forged = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.10.10.10, 192.0.2.50")
    assert forged.post(URL, sets[limit]).status_code == 429
    # Another real client behind the same proxy is not limited.
    other = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.51")
    assert other.post(URL, sets[limit]).status_code == 303


def test_without_a_proxy_x_forwarded_for_is_ignored(loaded):
    limit, _ = rate()
    sets = answer_sets(limit + 1)
    for n, data in enumerate(sets[:limit]):
        spoofing = Client(REMOTE_ADDR="192.0.2.60", HTTP_X_FORWARDED_FOR=f"10.0.{n}.1")
        assert spoofing.post(URL, data).status_code == 303
    spoofing = Client(REMOTE_ADDR="192.0.2.60", HTTP_X_FORWARDED_FOR="10.0.99.1")
    assert spoofing.post(URL, sets[limit]).status_code == 429


# --- retention ------------------------------------------------------------------------------


def make_consultation(age_days):
    consultation = services.advise([])
    consultation.created_at = timezone.now() - timedelta(days=age_days)
    consultation.save()
    return consultation


def test_prune_deletes_only_consultations_older_than_the_retention(settings, loaded):
    old, recent = make_consultation(400), make_consultation(10)
    out = io.StringIO()
    call_command("prune_consultations", stdout=out)
    assert settings.CONSULTATION_RETENTION_DAYS == 365
    assert list(Consultation.objects.values_list("pk", flat=True)) == [recent.pk]
    assert "Deleted 1 consultation older than 365 days." in out.getvalue()
    assert not Consultation.objects.filter(pk=old.pk).exists()


def test_prune_with_older_than_and_dry_run(loaded):
    for age in (40, 40, 5):
        make_consultation(age)
    out = io.StringIO()
    call_command("prune_consultations", "--older-than", "30", "--dry-run", stdout=out)
    assert "2 consultations older than 30 days would be deleted" in out.getvalue()
    assert Consultation.objects.count() == 3
    call_command("prune_consultations", "--older-than", "30", stdout=io.StringIO())
    assert Consultation.objects.count() == 1


def test_prune_refuses_a_retention_under_a_day(db):
    with pytest.raises(CommandError, match="at least 1 day"):
        call_command("prune_consultations", "--older-than", "0")


def test_a_pruned_consultations_page_is_a_404(client, loaded):
    url = make_consultation(400).get_absolute_url()
    call_command("prune_consultations", stdout=io.StringIO())
    assert client.get(url).status_code == 404
    assert client.get(f"/advisor/r/{uuid.uuid4()}/").status_code == 404
