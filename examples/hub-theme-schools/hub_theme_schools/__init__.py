"""The schools hub's theme: templates that replace the core's (``overrides/``), its logo
and icon (``static/``) and the demo content of a hub for schools."""
import sqlalchemy as sa

from hub import hookimpl

PLUGIN_API = ">=1.0,<2"

SCHOOLS = (
    ("Základní škola Komenského", "zs-komenskeho", "Praha"),
    ("Gymnázium Jana Nerudy", "gymnazium-nerudy", "Brno"),
    ("Střední zdravotnická škola", "szs-ostrava", "Ostrava"),
)


def includeme(config):
    config.add_translation_dirs("hub_theme_schools:locale/")


@hookimpl
def hub_demo_data(dbsession):
    from hub.organizations.models import Organisation

    for name, slug, region in SCHOOLS:
        if dbsession.scalar(sa.select(Organisation.id).where(Organisation.slug == slug)) is None:
            dbsession.add(Organisation(name=name, slug=slug, kind="public_body", region=region,
                                       description=""))
