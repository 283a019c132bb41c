import io

import pytest
from django.core.management import CommandError, call_command

from comparisons.models import Citation, Claim, Criterion, Framework, Source

pytestmark = pytest.mark.django_db


def generate(**options):
    call_command("generate_demo_data", verbosity=0, **options)
    return list(Claim.objects.order_by("id").values_list("statement", "score", "status"))


def wipe():
    Citation.objects.all().delete()
    Claim.objects.all().delete()
    for model in (Source, Criterion, Framework):
        model.objects.all().delete()


def test_scale_sets_the_shape_and_every_public_claim_has_evidence():
    generate(scale=2)
    assert Framework.objects.count() == 2
    assert Criterion.objects.count() == 12
    assert Source.objects.count() == 200
    assert Claim.objects.count() == 1_000
    assert Citation.objects.count() == 1_600
    assert not Claim.objects.published().without_citations().exists()
    public = Claim.objects.published()
    for verdict in ("supported", "contested", "refuted"):
        assert public.with_verdict(verdict).exists(), f"no {verdict} claim"


def test_the_same_seed_gives_the_same_data_and_another_seed_does_not():
    first = generate(scale=1, seed=7)
    wipe()
    assert generate(scale=1, seed=7) == first
    wipe()
    assert generate(scale=1, seed=8) != first


def test_bad_scale_and_a_second_run_are_refused():
    with pytest.raises(CommandError):
        generate(scale=0)
    generate(scale=1)
    with pytest.raises(CommandError, match="already loaded"):
        generate(scale=1)


def test_progress_in_a_log_is_a_line_per_tenth_not_a_redrawn_bar():
    log = io.StringIO()  # not a terminal
    call_command("generate_demo_data", "--scale", "2", stderr=log, stdout=io.StringIO())
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue()
    assert 1 <= len(lines) <= 10
    assert lines[-1].startswith("100%")
    assert all(line.split("%")[0].strip().isdigit() for line in lines)
