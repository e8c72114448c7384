"""Demo data: the core's people and organisations, then every enabled plugin's."""
from __future__ import annotations

import sqlalchemy as sa

from hub.jobs import background_request

DEMO_PASSWORD = "demo-hub-2026"  # noqa: S105 (documented demo credential, demo data only)

DEMO_USERS = (
    ("admin@example.org", "Alena Administrátorová", "admin", "cs"),
    ("staff@example.org", "Petr Koordinátor", "staff", "cs"),
    ("member@example.org", "Jana Nováková", "member", "cs"),
    ("rep@example.org", "Tomáš Svoboda", "member", "cs"),
    ("guest@example.org", "Emily Walker", "member", "en"),
)

DEMO_ORGANISATIONS = (
    ("Sdružení pacientů s diabetem", "sdruzeni-diabetes", "patient_organisation", "Praha"),
    ("Společnost pro vzácná onemocnění", "vzacna-onemocneni", "patient_organisation", "Brno"),
    ("Onko Pomoc, z. s.", "onko-pomoc", "patient_organisation", "Ostrava"),
    ("Duševní zdraví spolu", "dusevni-zdravi", "ngo", "Olomouc"),
    ("Spolek mediků", "spolek-mediku", "university", "Praha"),
)


def core_demo_data(dbsession, scale: int) -> None:
    from hub.accounts.models import User
    from hub.accounts.passwords import hash_password
    from hub.db import utcnow
    from hub.organizations.models import Membership, Organisation
    from hub.topics.demo import seed_topics

    password_hash = None
    for email, name, role, language in DEMO_USERS:
        if dbsession.scalar(sa.select(User.id).where(User.email == email)) is None:
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            dbsession.add(User(email=email, name=name, role=role, language=language,
                               password_hash=password_hash, email_verified_at=utcnow()))
    for name, slug, kind, region in DEMO_ORGANISATIONS:
        if dbsession.scalar(sa.select(Organisation.id).where(Organisation.slug == slug)) is None:
            dbsession.add(Organisation(name=name, slug=slug, kind=kind, region=region,
                                       description=""))
    dbsession.flush()
    rep = dbsession.scalar(sa.select(User).where(User.email == "rep@example.org"))
    org = dbsession.scalar(sa.select(Organisation).where(Organisation.slug == "sdruzeni-diabetes"))
    exists = dbsession.scalar(sa.select(Membership.id).where(
        Membership.user_id == rep.id, Membership.organisation_id == org.id))
    if exists is None:
        dbsession.add(Membership(user_id=rep.id, organisation_id=org.id, is_representative=True))
    member = dbsession.scalar(sa.select(User).where(User.email == "member@example.org"))
    exists = dbsession.scalar(sa.select(Membership.id).where(
        Membership.user_id == member.id, Membership.organisation_id == org.id))
    if exists is None:
        dbsession.add(Membership(user_id=member.id, organisation_id=org.id))
    seed_topics(dbsession)
    add_benchmark_organisations(dbsession, 2 * scale - len(DEMO_ORGANISATIONS))
    dbsession.flush()


KINDS_AND_REGIONS = (("patient_organisation", "Praha"), ("ngo", "Brno"),
                     ("patient_organisation", "Plzeň"), ("university", "Olomouc"),
                     ("patient_organisation", "Ostrava"))


def add_benchmark_organisations(dbsession, count: int) -> None:
    """Generated organisations for large data sets (one bulk insert; idempotent by slug)."""
    from hub.db import utcnow
    from hub.organizations.models import Organisation

    if count <= 0:
        return
    slugs = [f"demo-organisation-{n}" for n in range(1, count + 1)]
    existing = set(dbsession.scalars(sa.select(Organisation.slug).where(
        Organisation.slug.like("demo-organisation-%"))))
    rows = [{"name": f"Pacientská organizace {n}", "slug": slug,
             "kind": KINDS_AND_REGIONS[n % 5][0], "region": KINDS_AND_REGIONS[n % 5][1],
             "description": "", "website": "", "email": "", "created_at": utcnow()}
            for n, slug in enumerate(slugs, start=1) if slug not in existing]
    if rows:
        dbsession.execute(sa.insert(Organisation), rows)


def load_demo_data(registry, scale: int = 1) -> list[str]:
    """Create demo content; running it again changes nothing. Returns what was loaded."""
    request = background_request(registry)
    done = []
    with request.tm:
        core_demo_data(request.dbsession, scale)
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
