"""The CRM's part of the site search: the public directory of organisations.

Contacts are not indexed: finding a person is a staff look-up that stays a query at
request time (``hub_search`` in hooks.py), so no copy of people's names and addresses
lives in the shared index.
"""
from __future__ import annotations

import sqlalchemy as sa

from hub.organizations.models import Organisation
from hub.search import Document, Related, SearchSource
from hub_crm.i18n import _
from hub_crm.models import OrganisationProfile


def organisation_documents(dbsession, organisations):
    """Organisations the directory lists (those without a profile are listed too)."""
    hidden = set(dbsession.scalars(sa.select(OrganisationProfile.organisation_id).where(
        OrganisationProfile.organisation_id.in_([o.id for o in organisations]),
        OrganisationProfile.listed.is_(False))))
    for org in organisations:
        if org.id in hidden:
            continue
        yield Document(key=org.id, title=org.name,
                       body="\n".join((org.description or "", org.region or "")),
                       summary=org.region or "", route="crm.organisation",
                       route_args={"slug": org.slug})


SOURCES = [
    SearchSource("crm.organisation", _("Organisation"), Organisation, organisation_documents,
                 fields=("name", "slug", "description", "region"),
                 related=(Related(OrganisationProfile, lambda p: p.organisation_id),)),
]
