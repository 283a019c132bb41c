"""Shared pieces of the robustness suite.

- `robustness_report`: each test adds what it checked (fuzz cases per target, URL × role
  pairs); the totals are written to the terminal summary, so they show in CI output without -s
  (tests/robustness/report.py).
- The admin's URL patterns, enumerated from admin.site.get_urls(), and `world`: one object of
  each registered model and one signed-in user per role, to fill those patterns with.
- A form reader: what a browser would post from a page, to submit real forms in tests.
"""

from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.db import models
from django.test import Client
from django.urls import URLResolver, reverse

from advisor import services
from advisor.models import Consultation, Option, OptionWeight, Question
from comparisons.models import (
    Citation,
    Claim,
    Criterion,
    Framework,
    KnowledgeVersion,
    ProblemReport,
    Source,
    SourceSnapshot,
)
from tests.robustness import report


@pytest.fixture
def robustness_report(request):
    """A Counter shared by the whole run (by each worker's share of it under pytest-xdist): add
    to it what a test checked."""
    return report.counts(request.config)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """These tests make users by the dozen: a slow hasher would dominate their time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- the admin's URL patterns -------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str | None
    pattern: str
    model_admin: admin.ModelAdmin | None

    @property
    def kind(self):
        """What the page is: "changelist", "change"... for a model's page, else its site name."""
        if self.model_admin is None:
            return self.name or ("catch-all" if "(?P<url>" in self.pattern else self.pattern)
        if self.name is None:
            return "object" if self.pattern == "<path:object_id>/" else self.pattern
        opts = self.model_admin.model._meta
        return self.name.removeprefix(f"{opts.app_label}_{opts.model_name}_")

    @property
    def id(self):
        if self.model_admin is None:
            return f"site:{self.kind}"
        return f"{self.model_admin.model._meta.label_lower}:{self.kind}"


def admin_routes():
    """Every pattern under admin.site.get_urls(), with the ModelAdmin that serves it."""
    by_prefix = {
        f"{model._meta.app_label}/{model._meta.model_name}/": model_admin
        for model, model_admin in admin.site._registry.items()
    }

    def walk(patterns, model_admin):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                prefix = str(entry.pattern)
                assert model_admin is None and prefix in by_prefix, f"unknown include {prefix}"
                yield from walk(entry.url_patterns, by_prefix[prefix])
            else:
                yield Route(entry.name, str(entry.pattern), model_admin)

    return list(walk(admin.site.get_urls(), None))


SITE_PAGES = {"index", "login", "logout", "password_change", "password_change_done", "jsi18n"}

# The models view_on_site is tried with: two with a public page, one without.
VIEW_ON_SITE_MODELS = (Framework, Consultation, Source)


def autocomplete_fields():
    """(model, field name) of every autocomplete widget of the admin, inlines included."""
    fields = []
    for model, model_admin in admin.site._registry.items():
        fields += [(model, name) for name in model_admin.autocomplete_fields]
        for inline in model_admin.inlines:
            fields += [(inline.model, name) for name in inline.autocomplete_fields]
    return list(dict.fromkeys(fields))


def page_urls(route, world):
    """[(url, target)] for one admin URL pattern: one URL, or one per variant of it.

    `target` is the model the page is about (for the autocomplete, the model it searches), the
    app label of an app index, or None.
    """
    objects = world["objects"]
    kind = route.kind
    if route.model_admin is None:
        if kind == "app_list":
            labels = sorted({model._meta.app_label for model in admin.site._registry})
            return [(reverse("admin:app_list", args=[label]), label) for label in labels]
        if kind == "view_on_site":
            return [
                (
                    reverse(
                        "admin:view_on_site",
                        args=[ContentType.objects.get_for_model(model).pk, objects[model].pk],
                    ),
                    model,
                )
                for model in VIEW_ON_SITE_MODELS
            ]
        if kind == "autocomplete":
            urls = [(reverse("admin:autocomplete"), None)]
            for model, field_name in autocomplete_fields():
                opts = model._meta
                query = (
                    f"app_label={opts.app_label}&model_name={opts.model_name}"
                    f"&field_name={field_name}&term=a"
                )
                remote = opts.get_field(field_name).remote_field.model
                urls.append((f"{reverse('admin:autocomplete')}?{query}", remote))
            return urls
        if kind == "catch-all":
            return [("/admin/no/such/page/", None)]
        if kind in SITE_PAGES:
            return [(reverse(f"admin:{kind}"), None)]
        raise AssertionError(f"New admin site page {route.pattern!r}: say who may open it")

    model = route.model_admin.model
    obj = objects[model]
    if kind == "object":
        opts = model._meta
        return [(f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/", model)]
    if kind == "simple_history":
        history_id = obj.history.order_by("history_id").first().history_id
        return [(reverse(f"admin:{route.name}", args=[obj.pk, history_id]), model)]
    if kind in ("changelist", "add", "drift"):
        return [(reverse(f"admin:{route.name}"), model)]
    if kind == "check_quote":
        query = f"?source={objects[Source].pk}&excerpt=It+has+an+admin."
        return [(reverse(f"admin:{route.name}") + query, model)]
    if kind in ("change", "delete", "history", "password_change"):
        return [(reverse(f"admin:{route.name}", args=[obj.pk]), model)]
    raise AssertionError(f"New admin page {route.id} ({route.pattern!r}): say who may open it")


def registered(model):
    assert model in admin.site._registry, f"{model.__name__} has no admin"
    return admin.site._registry[model]


def snapshot():
    """Every row the admin can change, serialised: equal snapshots, untouched database."""
    tracked = [*admin.site._registry, OptionWeight, LogEntry, KnowledgeVersion]
    tracked += [model.history.model for model in tracked if hasattr(model, "history")]
    return {
        model._meta.label: serializers.serialize("json", model.objects.order_by("pk"))
        for model in tracked
    }


# --- the world: one object of each kind, and a user for each role -------------------------------

ROLES = ("anonymous", "visitor", "staff", "editor", "superuser")


@pytest.fixture
def world(db):
    """One object of every model the admin shows, and users: visitor (signed in, not staff),
    staff (in no group), editor (the Editors group) and superuser.

    A new model registered in the admin needs an object here: the URL tests say so.
    """
    framework = Framework.objects.create(name="Django", slug="django")
    criterion = Criterion.objects.create(
        name="Admin panel", slug="admin-panel", definition="d", category="capabilities"
    )
    source = Source.objects.create(title="Docs", url="https://example.org/docs")
    # A snapshot of another source: the citations' quotes, edited by the tests, stay unchecked.
    archive = Source.objects.create(title="Archive", url="https://example.org/archive")
    snapshot = SourceSnapshot.of_text(
        archive, "The archive. It has an admin.", origin="https://example.org/archive"
    )
    snapshot.save()
    claim = Claim.objects.create(
        framework=framework,
        criterion=criterion,
        statement="Ships an admin.",
        score=2,
        status=Claim.Status.PUBLISHED,
    )
    citation = Citation.objects.create(claim=claim, source=source, excerpt="It has an admin.")
    draft = Claim.objects.create(
        framework=framework,
        criterion=criterion,
        statement="A draft.",
        score=1,
        status=Claim.Status.DRAFT,
    )
    Citation.objects.create(claim=draft, source=source, excerpt="Says so.")
    report = ProblemReport.objects.create(claim=claim, problem="It has no admin.")
    question = Question.objects.create(text="Need an admin?", order=1)
    option = Option.objects.create(question=question, label="Yes", order=1)
    weight = OptionWeight.objects.create(option=option, criterion=criterion, change=4)
    consultation = services.advise(
        [
            {
                "question": question.pk,
                "text": question.text,
                "options": [option.pk],
                "labels": [option.label],
            }
        ]
    )
    consultation.save()
    users = {
        "visitor": User.objects.create_user("visitor", password="visitor-pass-123"),
        "staff": User.objects.create_user("staff", password="staff-pass-123", is_staff=True),
        "editor": User.objects.create_user("editor", password="editor-pass-123", is_staff=True),
        "superuser": User.objects.create_superuser("boss", password="boss-pass-123"),
    }
    users["editor"].groups.add(Group.objects.get(name="Editors"))
    member = User.objects.create_user("member", password="member-pass-123", first_name="Mem")
    group = Group.objects.create(name="Readers")
    clients = {"anonymous": Client()}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    return {
        "objects": {
            Framework: framework,
            Criterion: criterion,
            Source: source,
            Claim: claim,
            Citation: citation,
            ProblemReport: report,
            SourceSnapshot: snapshot,
            Question: question,
            Option: option,
            OptionWeight: weight,
            Consultation: consultation,
            User: member,
            Group: group,
        },
        "draft": draft,
        # Fresh instances: permission checks start with empty caches.
        "users": {role: User.objects.get(pk=user.pk) for role, user in users.items()},
        "clients": clients,
    }


# --- forms ------------------------------------------------------------------------------------


class FormReader(HTMLParser):
    """What a browser would submit from the first <form method="post"> of a page.

    The admin's log-out form (in every admin page's header) is skipped. Text, hidden, number,
    url, date and password inputs, checked checkboxes and radios, selected options and
    textareas; never the submit buttons, nor the empty inline form templates (names containing
    "__prefix__").
    """

    def __init__(self, form_id=None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.data = []
        self._in_form = False
        self._done = False
        self._select = None
        self._select_multiple = False
        self._select_options = []
        self._textarea = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._done:
            return
        if tag == "form" and not self._in_form:
            if self.form_id is None:
                wanted = "logout" not in (attrs.get("action") or "")
            else:
                wanted = attrs.get("id") == self.form_id
            self._in_form = wanted and attrs.get("method", "get").lower() == "post"
            return
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and "__prefix__" not in name:
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name and "__prefix__" not in name:
            self._select = name
            self._select_multiple = "multiple" in attrs
            self._select_options = []
        elif tag == "option" and self._select is not None:
            self._select_options.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea" and name and "__prefix__" not in name:
            self._textarea = name
            self._text = []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._done or not self._in_form:
            return
        if tag == "form":
            self._in_form = False
            self._done = True
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._select_options if selected]
            if not chosen and not self._select_multiple and self._select_options:
                chosen = [self._select_options[0][0]]
            self.data.extend((self._select, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            # A browser drops the one newline that may follow <textarea>.
            self.data.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def form_data(response, form_id=None):
    """The (name, value) pairs a browser would post from the page's first POST form."""
    reader = FormReader(form_id)
    reader.feed(response.content.decode())
    return reader.data


def read_form(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return form_data(response)


def as_post(data):
    """Form data for the test client: a dict, or (name, value) pairs with repeated names."""
    if isinstance(data, dict):
        return data
    grouped = {}
    for name, value in data:
        grouped.setdefault(name, []).append(value)
    return grouped


def with_value(data, name, value):
    """The (name, value) pairs with every value of `name` replaced."""
    return [(key, value if key == name else old) for key, old in data]


def edited_field(model, data):
    """A text field of `model` that the form posts: the first that takes any text."""
    names = {name for name, _ in data}
    for field in model._meta.concrete_fields:
        if (
            isinstance(field, (models.CharField, models.TextField))
            and not isinstance(field, (models.EmailField, models.URLField))
            and not field.choices
            and field.editable
            and field.name in names
        ):
            return field.name
    return None


def add_payload(model, client, world, suffix):
    """What `model`'s add form accepts: the change form of the world's object, as a new object.

    Read from the change page as `client` sees it; inline rows become new rows (no ids, no
    parent, INITIAL_FORMS 0) and unique fields get `suffix`. Users and source snapshots have
    their own add forms.
    """
    if model is User:
        password = "a-Long-pass-phrase-42"
        return [
            ("username", f"new-user{suffix}"),
            ("password1", password),
            ("password2", password),
            ("usable_password", "true"),
        ]
    if model is SourceSnapshot:  # its page only shows a snapshot: a new one is a new copy
        return [
            ("source", str(world["objects"][SourceSnapshot].source_id)),
            ("taken_on", "2026-01-02"),
            ("version", f"v2{suffix}"),
            ("origin", f"https://example.org/docs{suffix}"),
            ("pasted", f"The docs, again{suffix}. It has an admin. Says so."),
            ("format", ""),
        ]
    opts = model._meta
    obj = world["objects"][model]
    data = read_form(
        client, reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    )
    unique = {f.name for f in opts.concrete_fields if f.unique and not f.primary_key} | {
        name
        for constraint in opts.constraints
        if isinstance(constraint, models.UniqueConstraint)
        for name in constraint.fields
    }
    parent_links = {
        field.name
        for inline in registered(model).inlines
        for field in inline.model._meta.fields
        if field.is_relation and field.related_model is model
    }
    inline_prefixes = {
        name.removesuffix("-INITIAL_FORMS") for name, _ in data if name.endswith("-INITIAL_FORMS")
    }
    payload = []
    for name, value in data:
        prefix, _, rest = name.partition("-")
        if prefix in inline_prefixes and rest == "INITIAL_FORMS":
            value = "0"
        elif prefix in inline_prefixes and rest.count("-") == 1:
            if rest.split("-")[1] in ("id", "DELETE", *parent_links):
                continue  # no id, no parent: a new row of the new object
        elif name in unique and value:
            value = f"{value}{suffix}"
        payload.append((name, value))
    return payload
