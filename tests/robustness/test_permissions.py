"""Every admin URL and every admin write, for every role: each gets exactly what it should.

The URL patterns are enumerated from admin.site.get_urls() (the site's own views, and each
ModelAdmin's, simple-history's included: see conftest.py), so a newly registered model is checked
without touching this file; an unknown kind of page fails with a message saying what to add.

Expectations come from the permission model, not from the admin classes under test: a page or a
write is allowed when `user.has_perm(...)` says so, except for consultations, which are read-only
records for everyone, superusers included. Roles: anonymous, a signed-in visitor who is not staff,
a staff member in no group, an editor (the Editors group) and a superuser.

Writes: POST to every add, change and delete form, every bulk action, every list_editable
changelist, simple-history's revert form and the user password form. An allowed write is a
redirect that changes what it should; a refused one is a 403 (or, when signed out, a redirect to
the admin login) and leaves every row of the database as it was.
"""

from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth.models import Permission, User
from django.core import serializers
from django.db import models
from django.urls import reverse

from advisor.models import Consultation
from comparisons.models import Claim, ProblemReport, Source, SourceSnapshot
from tests.robustness.conftest import (
    ROLES,
    add_payload,
    admin_routes,
    as_post,
    edited_field,
    page_urls,
    read_form,
    registered,
    snapshot,
    with_value,
)

pytestmark = pytest.mark.django_db

# Records nobody may add, change or delete in the admin, whatever their permissions.
READ_ONLY = {Consultation}
# Records nobody may change once made (a new copy of a source is a new snapshot); adding and
# deleting them follow the permissions.
UNCHANGEABLE = {SourceSnapshot}
# Records only visitors make, on the public site: nobody adds one in the admin.
NOT_ADDABLE = {ProblemReport}

# Models whose delete page refuses, with a message, to delete an object that is still evidence
# (the world's object of each is cited).
DELETE_REFUSED_WHEN_CITED = {Source}

LOGIN = "/admin/login/"

ROUTES = admin_routes()
MODEL_ADMINS = list(admin.site._registry.values())


def test_the_enumeration_finds_every_registered_model_and_simple_history():
    ids = {route.id for route in ROUTES}
    for model_admin in MODEL_ADMINS:
        label = model_admin.model._meta.label_lower
        for kind in ("changelist", "add", "change", "delete", "history", "object"):
            assert f"{label}:{kind}" in ids
        if hasattr(model_admin, "history_form_view"):
            assert f"{label}:simple_history" in ids
    assert {"site:index", "site:login", "site:logout", "site:catch-all"} <= ids


def test_the_editors_group_has_exactly_the_permissions_it_was_given():
    """Expectations below follow has_perm: this pins what the Editors group may do."""
    granted = set(
        Permission.objects.filter(group__name="Editors").values_list(
            "content_type__app_label", "codename"
        )
    )
    expected = {
        ("comparisons", f"{action}_{model}")
        for model in ("framework", "criterion", "source", "claim", "citation")
        for action in ("add", "change", "view")
    } | {("comparisons", "delete_citation")}
    # Snapshots of sources: added and read, never changed, deleted by administrators only.
    expected |= {("comparisons", "add_sourcesnapshot"), ("comparisons", "view_sourcesnapshot")}
    # Visitors' reports: handled (changed) and read, never added, deleted by administrators only.
    expected |= {("comparisons", "change_problemreport"), ("comparisons", "view_problemreport")}
    expected |= {
        ("advisor", f"{action}_{model}")
        for model, actions in {
            "question": ("add", "change", "view"),
            "option": ("add", "change", "view", "delete"),
            "optionweight": ("add", "change", "view", "delete"),
            "consultation": ("view",),
        }.items()
        for action in actions
    }
    assert granted == expected


# --- what each role should get --------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    status: int
    location: str | None = None  # how the redirect's Location starts


def can(user, model, action):
    """The permission model: Django permissions, and consultations read-only for everyone."""
    if user is None or (model in READ_ONLY and action != "view"):
        return False
    if model in UNCHANGEABLE and action == "change":
        return False
    if model in NOT_ADDABLE and action == "add":
        return False
    return user.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}")


def can_see(user, model):
    return can(user, model, "view") or can(user, model, "change")


def is_staff(user):
    return user is not None and user.is_active and user.is_staff


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def expected_page(route, target, user, world):
    """What a GET of the page should answer `user` (None: signed out)."""
    kind = route.kind
    if kind == "login":
        return Expect(302, "/admin/") if is_staff(user) else Expect(200)
    if not is_staff(user):
        # The admin sends visitors to its log-in page, and from log-out to its index.
        return Expect(302, "/admin/") if kind == "logout" else Expect(302, LOGIN)
    if route.model_admin is None:
        if kind in ("index", "password_change", "password_change_done", "jsi18n"):
            return Expect(200)
        if kind == "logout":
            return Expect(405)  # logging out is a POST
        if kind == "catch-all":
            return Expect(404)
        if kind == "app_list":
            return Expect(200 if user.has_module_perms(target) else 404)
        if kind == "view_on_site":
            if hasattr(target, "get_absolute_url"):
                return Expect(302, world["objects"][target].get_absolute_url())
            return Expect(404)
        if kind == "autocomplete":
            return Expect(200 if target is not None and can_see(user, target) else 403)
    obj = world["objects"][target]
    if kind == "object":
        return Expect(302, change_url(obj))
    if kind in ("changelist", "change", "history", "simple_history", "drift", "check_quote"):
        return Expect(200 if can_see(user, target) else 403)
    if kind == "add":
        return Expect(200 if can(user, target, "add") else 403)
    if kind == "delete":
        if not can(user, target, "delete"):
            return Expect(403)
        return Expect(302, change_url(obj)) if target in DELETE_REFUSED_WHEN_CITED else Expect(200)
    if kind == "password_change":
        return Expect(200 if can(user, target, "change") else 403)
    raise AssertionError(f"No expectation for {route.id}")


def mismatch(response, expect):
    """What is wrong with `response`, or None."""
    location = (response.get("Location") or "").removeprefix("http://testserver")
    if response.status_code != expect.status:
        return f"got {response.status_code} (Location {location!r}), expected {expect.status}"
    if expect.location is not None and not location.startswith(expect.location):
        return f"redirected to {location!r}, expected {expect.location!r}…"
    return None


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: f"{route.id}:{route.pattern}")
def test_every_admin_page_answers_each_role_as_its_permissions_say(world, route, robustness_report):
    problems = []
    for url, target in page_urls(route, world):
        for role in ROLES:
            expect = expected_page(route, target, world["users"].get(role), world)
            problem = mismatch(world["clients"][role].get(url), expect)
            if problem:
                problems.append(f"{role} GET {url}: {problem}")
            robustness_report["URL × role pairs: admin pages (GET)"] += 1
    assert not problems, "\n".join(problems)


# --- writes -----------------------------------------------------------------------------------


@dataclass
class Write:
    """One POST, whether `role` may make it, and how to tell it took effect."""

    what: str
    url: str
    data: object
    allowed: bool
    took_effect: object  # a function of no argument


def fresh_object(model, world, suffix):
    """A new object of `model` that nothing refers to, added through the admin by the superuser."""
    if model in NOT_ADDABLE:
        return model.objects.create(claim=world["objects"][Claim], problem=f"Wrong{suffix}.")
    opts = model._meta
    before = set(model.objects.values_list("pk", flat=True))
    client = world["clients"]["superuser"]
    payload = add_payload(model, client, world, suffix)
    response = client.post(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_add"), as_post(payload)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    (pk,) = set(model.objects.values_list("pk", flat=True)) - before
    return model.objects.get(pk=pk)


def field_now(model, pk, name):
    return getattr(model.objects.get(pk=pk), name)


def add_write(model, user, role, world):
    opts = model._meta
    count = model.objects.count()
    data = (
        {}
        if model in READ_ONLY or model in NOT_ADDABLE
        else add_payload(model, world["clients"]["superuser"], world, f"-{role}")
    )
    return Write(
        "add",
        reverse(f"admin:{opts.app_label}_{opts.model_name}_add"),
        data,
        can(user, model, "add"),
        lambda: model.objects.count() == count + 1,
    )


def change_write(model, user, role, world):
    obj = world["objects"][model]
    url = change_url(obj)
    data = read_form(world["clients"]["superuser"], url)
    name = edited_field(model, data)
    value = f"{getattr(obj, name)}-{role}" if name else None
    if name:
        data = with_value(data, name, value)
    return Write(
        "change",
        url,
        data,
        can(user, model, "change"),
        lambda: name is not None and field_now(model, obj.pk, name) == value,
    )


def delete_write(model, user, role, world):
    obj = world["objects"][model] if model in READ_ONLY else fresh_object(model, world, f"-{role}")
    opts = model._meta
    return Write(
        "delete",
        reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk]),
        {"post": "yes"},
        can(user, model, "delete"),
        lambda: not model.objects.filter(pk=obj.pk).exists(),
    )


def revert_write(model, user, role, world):
    """Revert to the first version, after a second one was saved."""
    obj = world["objects"][model]
    name = next(
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, (models.CharField, models.TextField))
        and not isinstance(field, (models.URLField, models.EmailField))
        and not field.choices
    )
    setattr(obj, name, f"{getattr(obj, name)}-v2-{role}")
    obj.save()
    first = obj.history.order_by("history_id").first()
    opts = model._meta
    url = reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history",
        args=[obj.pk, first.history_id],
    )
    old = getattr(first, name)
    return Write(
        "revert",
        url,
        read_form(world["clients"]["superuser"], url),
        can(user, model, "change"),
        lambda: field_now(model, obj.pk, name) == old,
    )


def list_editable_write(model, user, role, world):
    """Change the first number of the object's changelist row, and save the list."""
    obj = world["objects"][model]
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    field = next(
        name
        for name in registered(model).list_editable
        if isinstance(opts.get_field(name), models.IntegerField)
    )
    data = [pair for pair in read_form(world["clients"]["superuser"], url) if pair[0] != "action"]
    row = next(n.split("-")[1] for n, v in data if n.endswith("-id") and v == str(obj.pk))
    value = int(field_now(model, obj.pk, field)) + 1
    return Write(
        "list_editable",
        url,
        with_value(data, f"form-{row}-{field}", str(value)) + [("_save", "Save")],
        can(user, model, "change"),
        lambda: field_now(model, obj.pk, field) == value,
    )


def password_write(model, user, role, world):
    member = world["objects"][User]
    password = f"New-pass-phrase-{role}-42"
    return Write(
        "password",
        reverse("admin:auth_user_password_change", args=[member.pk]),
        {"password1": password, "password2": password, "usable_password": "true"},
        can(user, User, "change"),
        lambda: User.objects.get(pk=member.pk).check_password(password),
    )


def admin_actions(model):
    """{name: permissions it needs} of every bulk action of the model admin, whoever asks.

    (ModelAdmin.get_actions() would leave out those the current user may not run.)
    """
    return {
        name: getattr(func, "allowed_permissions", ())
        for func, name, _ in registered(model)._get_base_actions()
    }


def action_writes(model, user, role, world):
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    for action, permissions in admin_actions(model).items():
        if model in READ_ONLY:
            target = world["objects"][model]
        elif action == "delete_selected":
            target = fresh_object(model, world, f"-{role}")
        elif model is Claim:  # a cited draft: publishing and retracting change it
            target = world["draft"]
            Claim.objects.filter(pk=target.pk).update(status=Claim.Status.DRAFT)
        else:
            raise AssertionError(f"Say which {model.__name__} the {action} action should change")
        row = serializers.serialize("json", model.objects.filter(pk=target.pk))
        yield Write(
            f"action {action}",
            url,
            {
                "action": action,
                helpers.ACTION_CHECKBOX_NAME: [target.pk],
                "index": "0",
                "post": "yes",
            },
            can_see(user, model) and all(can(user, model, p) for p in permissions),
            lambda target=target, row=row: (
                serializers.serialize("json", model.objects.filter(pk=target.pk)) != row
            ),
        )


def writes(model, kind, user, role, world):
    if kind == "actions":
        return list(action_writes(model, user, role, world))
    return [WRITE_KINDS[kind](model, user, role, world)]


WRITE_KINDS = {
    "add": add_write,
    "change": change_write,
    "delete": delete_write,
    "revert": revert_write,
    "list_editable": list_editable_write,
    "password": password_write,
    "actions": None,
}


def write_cases():
    for model_admin in MODEL_ADMINS:
        model = model_admin.model
        for kind in WRITE_KINDS:
            if kind == "revert" and not hasattr(model_admin, "history_form_view"):
                continue
            if kind == "list_editable" and not model_admin.list_editable:
                continue
            if kind == "password" and model is not User:
                continue
            yield pytest.param(model, kind, id=f"{model._meta.label_lower}:{kind}")


def outcome(write, response, user, model, changed):
    """What is wrong with the outcome of `write`, or None."""
    if write.allowed:
        location = response.get("Location") or ""
        if response.status_code != 302 or location.startswith(LOGIN):
            return f"allowed, but got {response.status_code} {location!r}"
        return None if write.took_effect() else "allowed and redirected, but nothing changed"
    if changed:
        return f"refused ({response.status_code}), but the database changed"
    if not is_staff(user):
        return mismatch(response, Expect(302, LOGIN))
    if write.what.startswith("action") and can_see(user, model):
        # An action the user may not run is not offered: "No action selected", nothing done.
        return None if response.status_code in (200, 302) else f"got {response.status_code}"
    return mismatch(response, Expect(403))


@pytest.mark.parametrize("model, kind", list(write_cases()))
def test_every_admin_write_is_allowed_or_refused_as_permissions_say(
    world, model, kind, robustness_report
):
    problems = []
    for role in ROLES:
        user = world["users"].get(role)
        for write in writes(model, kind, user, role, world):
            before = snapshot()
            response = world["clients"][role].post(write.url, as_post(write.data))
            robustness_report["URL × role pairs: admin writes (POST)"] += 1
            problem = outcome(write, response, user, model, snapshot() != before)
            if problem:
                problems.append(f"{role} {write.what} {write.url}: {problem}")
    assert not problems, "\n".join(problems)


# --- simple-history's revert form and the view permission -----------------------------------

HISTORY_ADMINS = [m for m in MODEL_ADMINS if hasattr(m, "history_form_view")]


@pytest.mark.parametrize(
    "model", [m.model for m in HISTORY_ADMINS], ids=lambda m: m._meta.label_lower
)
def test_a_user_who_may_only_view_cannot_change_anything_by_reverting(world, client, model):
    reader = User.objects.create_user("reader", password="reader-pass-123", is_staff=True)
    opts = model._meta
    reader.user_permissions.add(
        Permission.objects.get(
            content_type__app_label=opts.app_label, codename=f"view_{opts.model_name}"
        )
    )
    client.force_login(reader)
    write = revert_write(model, reader, "reader", world)
    assert write.allowed is False
    before = snapshot()
    response = client.post(write.url, as_post(write.data))
    assert response.status_code == 403
    assert snapshot() == before
