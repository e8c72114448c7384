"""Guard-rail checks: the rules every plugin must keep, as functions of an application.

Each check takes the registry of an application (``app.registry``) and returns a list of
problems, one readable sentence each; an empty list means the rule holds. The core's
tests run them on every installed plugin, and a plugin's own tests on its app::

    from hub.testing import checks

    def test_guard_rails(make_app):
        assert checks.problems(make_app("greetings").registry) == []

They are also ``hub.testing.checks``.
"""
from __future__ import annotations

import importlib.resources
from collections.abc import Iterator
from typing import NamedTuple

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ALL_METHODS = frozenset({"GET", "HEAD", *UNSAFE_METHODS})

# A column is personal when its name says so, or when it is marked
# ``info={"personal": True}``; ``info={"personal": False}`` marks e.g. an organisation's
# public contact e-mail.
PERSONAL_NAMES = frozenset({
    "email", "first_name", "last_name", "full_name", "phone", "user_id", "recipient",
    "birth_date", "date_of_birth", "contact_email", "author_id", "attendee_id",
    "participant_id", "student_id", "subscriber_id"})


class View(NamedTuple):
    route: str | None
    methods: frozenset
    permission: str | None
    callable: object


def registered_views(registry) -> Iterator[View]:
    """Every view of the application that a request can reach (exception views, which
    render errors, are left out)."""
    for intr in registry.introspector.get_category("views") or []:
        view = intr["introspectable"]
        context = view["context"]
        if isinstance(context, type) and issubclass(context, BaseException):
            continue
        permissions = [r for r in intr["related"] if r.category_name == "permissions"]
        methods = view["request_methods"]
        if isinstance(methods, (list, tuple, set, frozenset)):
            methods = frozenset(methods)
        else:
            methods = frozenset({methods}) if methods else ALL_METHODS
        yield View(view["route_name"], methods,
                   permissions[0]["value"] if permissions else None, view["callable"])


def views_without_permission(registry) -> list[str]:
    """Routed views that declare no permission: the default denies them to everyone, which
    is never what their author meant (public pages say ``permission=PUBLIC``)."""
    from hub.security import DENY_BY_DEFAULT

    return [f"view {getattr(view.callable, '__module__', '?')}."
            f"{getattr(view.callable, '__qualname__', view.callable)} of route "
            f"{view.route!r} declares no permission"
            for view in registered_views(registry)
            if view.route is not None and view.permission in (None, DENY_BY_DEFAULT)]


def personal_columns(table) -> list[str]:
    """The names of ``table``'s columns that hold personal data."""
    found = []
    for column in table.columns:
        flag = column.info.get("personal")
        if flag is True or (flag is None and column.name in PERSONAL_NAMES):
            found.append(column.name)
    return found


def _table_owners(registry) -> dict[str, str]:
    """``{table: owner}`` for the tables of the core (``"hub"``) and the enabled plugins
    (their package names), from the modules of the mapped classes; unmapped tables by the
    plugin prefix of their name."""
    from hub import migrate
    from hub.db import Base

    migrate.import_models(registry)
    plugins = registry["hub.plugins"]
    enabled = {info.package for info in plugins.values()}
    owners: dict[str, str] = {}
    for mapper in Base.registry.mappers:
        package = mapper.class_.__module__.split(".")[0]
        for table in mapper.tables:
            owners.setdefault(table.name, package)
    from hub.plugins import installed_plugins

    installed = {name: ep.value.split(":")[0].split(".")[0]
                 for name, ep in installed_plugins().items()}
    for name in Base.metadata.tables:
        if name not in owners:
            prefix = name.split("_", 1)[0]
            owners[name] = installed.get(prefix, "hub")
    return {table: owner for table, owner in owners.items()
            if owner == "hub" or owner in enabled}


def uncovered_personal_tables(registry) -> list[str]:
    """Tables of the core or an enabled plugin with personal columns that no plugin lists
    in ``hub_personal_data_tables`` (and so covers in its export and erase hooks)."""
    from hub.db import Base
    from hub.shell import flatten

    listed = set(flatten(registry["hub.pm"].hook.hub_personal_data_tables()))
    problems = []
    for name, owner in sorted(_table_owners(registry).items()):
        columns = personal_columns(Base.metadata.tables[name])
        if columns and name not in listed:
            problems.append(f"table {name} ({owner}) has personal columns "
                            f"{', '.join(columns)} but no plugin lists it in "
                            "hub_personal_data_tables")
    return problems


def unprefixed_tables(registry) -> list[str]:
    """Plugin tables whose names do not start with ``<plugin name>_``, and core tables that
    take a plugin's prefix (migrations of one branch would see the other's tables)."""
    plugins = {info.package: name for name, info in registry["hub.plugins"].items()}
    problems = []
    for table, owner in sorted(_table_owners(registry).items()):
        if owner == "hub":
            if table.split("_", 1)[0] in plugins.values():
                problems.append(f"core table {table} takes the prefix of a plugin")
        elif not table.startswith(plugins[owner] + "_"):
            problems.append(f"table {table} of {owner} does not start with "
                            f"{plugins[owner]}_")
    return problems


def incomplete_catalogues(registry, locale: str = "cs") -> list[str]:
    """Messages without a translation in the ``locale`` catalogues (``.po``) of the core
    and the enabled plugins. A plugin without catalogues has nothing to check."""
    from babel.messages.pofile import read_po

    packages = ["hub", *(info.package for info in registry["hub.plugins"].values())]
    problems = []
    for package in packages:
        folder = importlib.resources.files(package) / "locale" / locale / "LC_MESSAGES"
        if not folder.is_dir():
            continue
        for po in sorted(folder.iterdir(), key=lambda p: p.name):
            if not po.name.endswith(".po"):
                continue
            with po.open("rb") as f:
                catalogue = read_po(f, locale=locale)
            for message in catalogue:
                strings = message.string if isinstance(message.string, tuple) \
                    else (message.string,)
                if message.id and not all(strings):
                    msgid = message.id if isinstance(message.id, str) else message.id[0]
                    problems.append(f"{package}/locale/{locale}/LC_MESSAGES/{po.name}: "
                                    f"no translation of {msgid!r}")
    return problems


COLLECTION_KEYS = ("items", "total", "limit", "offset", "next_offset")


def api_document_problems(registry) -> list[str]:
    """The OpenAPI document names and tags every operation once, and every list it returns
    has the one collection shape with its paging parameters (``hub.api.collections``)."""
    from hub.api.openapi import assemble
    from hub.jobs import background_request

    document = assemble(background_request(registry))
    found, seen = [], {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or method == "parameters":
                continue
            where = f"{method.upper()} /api/v1{path}"
            name = operation.get("operationId")
            if not name:
                found.append(f"{where} has no operationId")
            elif name in seen:
                found.append(f"{where} and {seen[name]} share the operationId {name!r}")
            else:
                seen[name] = where
            if not operation.get("tags"):
                found.append(f"{where} has no tags")
            if method != "get":
                continue
            answer = (operation.get("responses") or {}).get("200") or {}
            schema = ((answer.get("content") or {}).get("application/json") or {}).get(
                "schema") or {}
            if "$ref" in schema:
                schema = document["components"]["schemas"].get(
                    schema["$ref"].rsplit("/", 1)[-1], {})
            properties = schema.get("properties") or {}
            # A list: an array, or an object holding one, at an address that names no
            # single thing. A report or a settings document that holds arrays says
            # ``"x-hub-collection": false``.
            is_list = schema.get("type") == "array" or any(
                (prop or {}).get("type") == "array" for prop in properties.values())
            if not is_list or path.endswith("}") or \
                    operation.get("x-hub-collection") is False:
                continue
            missing = [k for k in COLLECTION_KEYS if k not in (schema.get("required") or ())]
            if missing:
                found.append(f"{where} returns a list without the collection keys "
                             f"{', '.join(missing)} (hub.api.collections)")
            names = {p.get("name") for p in operation.get("parameters") or ()}
            if not {"limit", "offset"} <= names:
                found.append(f"{where} returns a list but takes no limit and offset")
    return found


CHECKS = (views_without_permission, uncovered_personal_tables, unprefixed_tables,
          incomplete_catalogues, api_document_problems)


def problems(registry) -> list[str]:
    """The problems every check finds in the application."""
    return [problem for check in CHECKS for problem in check(registry)]
