import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection

from comparisons import cache
from tests.factories import make_knowledge_base
from tests.robustness import report

SHORTFALL = pytest.StashKey[str]()


def pytest_sessionfinish(session):
    """A pytest-xdist worker hands what its robustness tests counted to the controller, which
    fails the run if the fuzz, counted over every worker, fell short (report.fuzz_check)."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output[report.WORKER_OUTPUT] = dict(report.counts(session.config))
    elif session.config.pluginmanager.hasplugin("dsession"):
        _, shortfall = report.fuzz_check(report.counts(session.config))
        if shortfall:
            session.config.stash[SHORTFALL] = shortfall
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """pytest-xdist's controller: a worker's counts, added to the run's."""
    counts = getattr(node, "workeroutput", {}).get(report.WORKER_OUTPUT, {})
    report.counts(node.config).update(counts)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    report.write_summary(terminalreporter, config)
    if SHORTFALL in config.stash:
        terminalreporter.write_line(f"FAILED: {config.stash[SHORTFALL]}", red=True)


@pytest.fixture(autouse=True)
def test_site_settings(settings):
    """The test client speaks plain HTTP and templates render without a collectstatic manifest.

    (Production's HTTPS redirect is checked by its own test.)
    """
    settings.SECURE_SSL_REDIRECT = False
    # Test transactions roll back without committing, so they never bump the knowledge version:
    # start each test with an empty cache instead.
    cache.clear()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True, scope="module")
def vacuum_after_each_module(django_db_blocker):
    """On PostgreSQL, reclaim the rows that the module's rolled-back tests left behind.

    Every test's transaction is rolled back, and PostgreSQL keeps the rows it wrote as dead tuples
    until VACUUM. CI's server runs with autovacuum off: without this, the suite's later tests scan
    hundreds of thousands of dead rows and the PostgreSQL pass took twice as long as it should.
    """
    yield
    with django_db_blocker.unblock():
        test_database = connection.settings_dict["NAME"].startswith("test_")
        if connection.vendor == "postgresql" and test_database and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("VACUUM")


@pytest.fixture
def editor(db):
    user = User.objects.create_user("editor", password="editor-pass-123", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def knowledge_base(db):
    """A small knowledge base: 3 frameworks, 4 criteria, 12 public claims with citations."""
    return make_knowledge_base(frameworks=3, criteria=4, claims_per_pair=1)


@pytest.fixture
def starting_content(db):
    """The shipped knowledge base: the article's frameworks, criteria, claims and sources."""
    call_command("loaddata", "starting_content", verbosity=0)


@pytest.fixture
def loaded(db):
    """The starting content and the questionnaire."""
    call_command("loaddata", "starting_content", "questionnaire", verbosity=0)
