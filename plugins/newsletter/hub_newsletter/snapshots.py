"""What a send relied on, kept with the campaign when it starts (the send snapshot).

For every source of recipients (a list, a CRM audience) the snapshot names the consent
purpose and object, the wording in force and how many recipients were written on which
text version, and, for an audience, its definition at that moment (the audience's plugin
gives it through ``hub_audience_used``, and may lock what must not change any more).

The consent records relied on: a send may go to 100,000 people, so the snapshot does not
list them. Each delivery row keeps the id of the ledger record it was written on
(``newsletter_delivery.consent_record_id``, one integer in a row that exists anyway); the
snapshot keeps their number, a SHA-256 of the sorted ids (so the list in the deliveries can
be shown to be the one relied on) and the ledger's highest record id at that moment (the
ledger only grows: its records up to that id are the state the send saw).

What was sent: the Czech and the English version of the texts (the English one ``None``
when English readers got the Czech text), the number of recipients per language and the
template's look at that moment (a template may change or go after the send).
"""
from __future__ import annotations

import hashlib

import sqlalchemy as sa

from hub.consent import ConsentRecord
from hub.consent.services import is_latest
from hub.db import utcnow
from hub_newsletter.i18n import plugin_hooks
from hub_newsletter.models import Delivery, Subscriber
from hub_newsletter.purposes import LIST_PURPOSE, LIST_PURPOSE_KEY, list_id_of, list_object

AUDIENCE = "audience:"


def list_consents(list_ids: list[int]) -> sa.Select:
    """``(subscriber id, address, object, consent record id)`` of the subscribers of
    ``list_ids`` with a consent in force in the ledger and nothing stopping mail, one query.

    The same condition as ``hub.consent.holders``, with the record's id for the snapshot.
    """
    r = ConsentRecord
    return (sa.select(Subscriber.id, Subscriber.email, r.object, r.id)
            .join(r, r.email == Subscriber.email)
            .where(r.purpose == LIST_PURPOSE_KEY, r.action == "given", is_latest(),
                   r.object.in_([list_object(i) for i in list_ids]),
                   Subscriber.opted_out_at.is_(None), Subscriber.hard_bounced_at.is_(None))
            .order_by(Subscriber.id, r.object))


def _sources(request, campaign) -> dict[str, dict]:
    found = {}
    for nl in campaign.lists:
        found[list_object(nl.id)] = {
            "kind": "list", "list_id": nl.id, "label": nl.name, "purpose": LIST_PURPOSE_KEY,
            "object": list_object(nl.id), "current_text_version": LIST_PURPOSE.text_version}
    used = plugin_hooks(request).hub_audience_used
    for key in campaign.audiences or ():
        described = used(request=request, key=key)
        found[f"{AUDIENCE}{key}"[:120]] = {"kind": "audience", "key": key, **(described or {
            "label": key, "purpose": None, "current_text_version": None, "definition": None})}
    return found


def sent_versions(request, campaign, languages: dict[str, int]) -> dict:
    """What was sent in which language: each version's texts as written then (the Czech
    one and the English one, or ``None`` without it), how many recipients were written in
    each language and which version they get, and the template with its look then."""
    from hub_newsletter.mail_templates import campaign_template
    from hub_newsletter.rendering import LANGUAGES, version_of

    def texts(code: str) -> dict:
        values = {f: campaign.translated(f, code) for f in campaign.TRANSLATED}
        digest = hashlib.sha256("\n\0".join(values.values()).encode()).hexdigest()
        return {**values, "sha256": digest}

    template = campaign_template(request, campaign)
    return {
        "versions": {"cs": texts("cs"),
                     "en": texts("en") if version_of(campaign, "en") == "en" else None},
        "languages": {code: {"recipients": languages.get(code, 0),
                             "version": version_of(campaign, code)} for code in LANGUAGES},
        "template": None if template is None else {
            "id": template.id, "name": template.name, "layout": template.layout,
            "accent": template.accent, "header_html": template.header_html,
            "header_html_en": template.header_html_en, "footer_html": template.footer_html,
            "footer_html_en": template.footer_html_en,
            "logo_media_id": template.logo_media_id},
    }


def take_snapshot(request, campaign, after: int) -> dict:
    """Record on ``campaign`` what the delivery rows written after row ``after`` relied on;
    a campaign started again (resumed, rescheduled) gets the later start as an addition."""
    db = request.dbsession
    d, r = Delivery, ConsentRecord
    written = (d.campaign_id == campaign.id, d.id > after)
    sources = _sources(request, campaign)
    for source in sources.values():
        source.update(recipients=0, consents=0, text_versions={})
    for source_key, version, count in db.execute(
            sa.select(d.source, r.text_version, sa.func.count()).select_from(d)
            .outerjoin(r, r.id == d.consent_record_id).where(*written)
            .group_by(d.source, r.text_version).order_by(d.source, r.text_version)):
        source = sources.setdefault(source_key, {
            "kind": "list" if list_id_of(source_key) else "other", "label": source_key,
            "recipients": 0, "consents": 0, "text_versions": {}})
        source["recipients"] += count
        if version is not None:
            source["consents"] += count
            source["text_versions"][version] = count
    ids = db.scalars(sa.select(d.consent_record_id)
                     .where(*written, d.consent_record_id.is_not(None))
                     .order_by(d.consent_record_id)).all()
    languages = {}
    for code, count in db.execute(
            sa.select(Subscriber.language, sa.func.count()).select_from(d)
            .outerjoin(Subscriber, Subscriber.id == d.subscriber_id).where(*written)
            .group_by(Subscriber.language)):
        # A row without a subscriber (erased meanwhile) was written in Czech.
        languages[code or "cs"] = languages.get(code or "cs", 0) + count
    entry = {
        "taken_at": utcnow().isoformat(),
        "recipients": sum(s["recipients"] for s in sources.values()),
        "sources": list(sources.values()),
        **sent_versions(request, campaign, languages),
        "consent_records": {
            "count": len(ids),
            "sha256": hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest(),
            "ledger_max_id": db.scalar(sa.select(sa.func.max(r.id))) or 0,
            "where": "newsletter_delivery.consent_record_id"}}
    if campaign.snapshot is None:
        campaign.snapshot = entry
    else:
        # A new dict: the JSON column notices only a new value.
        campaign.snapshot = {**campaign.snapshot,
                             "additions": [*campaign.snapshot.get("additions", []), entry]}
    return entry

