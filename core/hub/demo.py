"""Demo data: the core's people, the hub's own organisations and topics, then every enabled
plugin's.

The demo accounts suit any hub; organisations, memberships of the demo accounts, topics and
the names of generated organisations come from the file ``hub.demo_data`` names (TOML, or
JSON by its ``.json`` suffix), by default the Patient Hub's ``hub:data/demo-patient-hub.toml``.
"""
from __future__ import annotations

import json
import tomllib

import sqlalchemy as sa

from hub.jobs import background_request

DEFAULT_DEMO_DATA = "hub:data/demo-patient-hub.toml"

DEMO_PASSWORD = "demo-hub-2026"  # noqa: S105 (documented demo credential, demo data only)

DEMO_USERS = (
    ("admin@example.org", "Alena Administrátorová", "admin", "cs"),
    ("staff@example.org", "Petr Koordinátor", "staff", "cs"),
    ("member@example.org", "Jana Nováková", "member", "cs"),
    ("rep@example.org", "Tomáš Svoboda", "member", "cs"),
    ("guest@example.org", "Emily Walker", "member", "en"),
)


def read_demo_data(spec: str = DEFAULT_DEMO_DATA) -> dict:
    """The demo content of the file at the asset specification ``spec`` (package:path)."""
    from hub.theme import asset_path

    path = asset_path(spec)
    if not path.is_file():
        raise ValueError(f"demo data {spec!r} is not a file")
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else tomllib.loads(text)


def core_demo_data(dbsession, scale: int, data: dict | None = None) -> None:
    """Demo accounts, then the organisations, memberships and topics of ``data`` (the file
    of ``read_demo_data``; unset: the Patient Hub's)."""
    from hub.accounts.models import User
    from hub.accounts.passwords import hash_password
    from hub.db import utcnow
    from hub.organizations.models import Membership, Organisation
    from hub.topics.demo import seed_topics

    if data is None:
        data = read_demo_data()
    password_hash = None
    for email, name, role, language in DEMO_USERS:
        if dbsession.scalar(sa.select(User.id).where(User.email == email)) is None:
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            dbsession.add(User(email=email, name=name, role=role, language=language,
                               password_hash=password_hash, email_verified_at=utcnow()))
    organisations = data.get("organisations", [])
    for item in organisations:
        if dbsession.scalar(sa.select(Organisation.id).where(
                Organisation.slug == item["slug"])) is None:
            dbsession.add(Organisation(
                name=item["name"], slug=item["slug"], kind=item.get("kind", "other"),
                region=item.get("region", ""), description=item.get("description", ""),
                website=item.get("website", ""), email=item.get("email", "")))
    dbsession.flush()
    for item in data.get("memberships", []):
        user = dbsession.scalar(sa.select(User).where(User.email == item["user"]))
        org = dbsession.scalar(sa.select(Organisation).where(
            Organisation.slug == item["organisation"]))
        if user is None or org is None:
            raise ValueError(f"demo data: membership of unknown {item['user']!r} or "
                             f"{item['organisation']!r}")
        exists = dbsession.scalar(sa.select(Membership.id).where(
            Membership.user_id == user.id, Membership.organisation_id == org.id))
        if exists is None:
            dbsession.add(Membership(user_id=user.id, organisation_id=org.id,
                                     is_representative=bool(item.get("representative"))))
    seed_topics(dbsession, data.get("topics", []))
    add_benchmark_organisations(dbsession, 2 * scale - len(organisations),
                                data.get("benchmark"))
    dbsession.flush()


# Generated organisations of a hub whose demo data names none.
GENERIC_BENCHMARK = {"name": "Organizace {n}", "kinds_and_regions": [["other", ""]]}


def add_benchmark_organisations(dbsession, count: int, benchmark: dict | None = None) -> None:
    """Generated organisations for large data sets (one bulk insert; idempotent by slug).

    ``benchmark`` is the ``[benchmark]`` table of the demo data: a ``name`` with ``{n}``
    and ``kinds_and_regions`` used in turn."""
    from hub.db import utcnow
    from hub.organizations.models import Organisation

    if count <= 0:
        return
    benchmark = benchmark or GENERIC_BENCHMARK
    kinds = benchmark.get("kinds_and_regions") or GENERIC_BENCHMARK["kinds_and_regions"]
    slugs = [f"demo-organisation-{n}" for n in range(1, count + 1)]
    existing = set(dbsession.scalars(sa.select(Organisation.slug).where(
        Organisation.slug.like("demo-organisation-%"))))
    rows = [{"name": benchmark.get("name", GENERIC_BENCHMARK["name"]).format(n=n),
             "slug": slug, "kind": kinds[n % len(kinds)][0], "region": kinds[n % len(kinds)][1],
             "description": "", "website": "", "email": "", "created_at": utcnow()}
            for n, slug in enumerate(slugs, start=1) if slug not in existing]
    if rows:
        dbsession.execute(sa.insert(Organisation), rows)


def load_demo_data(registry, scale: int = 1) -> list[str]:
    """Create demo content; running it again changes nothing. Returns what was loaded."""
    request = background_request(registry)
    done = []
    data = read_demo_data(registry.settings.get("hub.demo_data") or DEFAULT_DEMO_DATA)
    with request.tm:
        core_demo_data(request.dbsession, scale, data)
        done.append("core")
    pm = registry["hub.pm"]
    impls = {impl.plugin_name: impl for impl in pm.hook.hub_demo_data.get_hookimpls()}
    chosen = registry.settings.get("hub.demo_plugins")
    for name in registry["hub.plugin_order"]:
        impl = impls.get(name)
        if impl is None or (chosen is not None and name not in chosen):
            continue
        request = background_request(registry)
        with request.tm:
            kwargs = {"dbsession": request.dbsession, "scale": scale, "registry": registry}
            impl.function(**{k: kwargs[k] for k in impl.argnames})
        done.append(name)
    return done
