"""The newsletter plugin's figures for the funder (``hub_indicators``).

A message counts when the mail server accepted it in the period (``sent``); failed,
skipped and bounced messages do not. Recipients are distinct addresses (compared without
regard to case), so a person who got four issues counts once.
"""
from __future__ import annotations

import sqlalchemy as sa

from hub.contributions import Indicator
from hub_newsletter.i18n import _
from hub_newsletter.models import Campaign, Delivery

KIND_LABELS = {"newsletter": _("Newsletters"), "invitation": _("Event invitations")}


def indicators(request, start, end) -> list:
    db = request.dbsession
    sent = sa.and_(Delivery.status == "sent", Delivery.sent_at >= start, Delivery.sent_at < end)
    address = sa.func.lower(Delivery.address)
    rows = db.execute(sa.select(Campaign.kind, sa.func.count(),
                                sa.func.count(sa.distinct(address)))
                      .join(Campaign, Campaign.id == Delivery.campaign_id)
                      .where(sent).group_by(Campaign.kind).order_by(Campaign.kind)).all()
    recipients = db.scalar(sa.select(sa.func.count(sa.distinct(address))).where(sent)) or 0
    return [
        Indicator("newsletter_messages_sent", _("Newsletter messages sent"),
                  sum(n for _kind, n, _r in rows), _("messages"),
                  _("E-mails of newsletters and event invitations that the mail server "
                    "accepted in the period, by kind. Failed, skipped and bounced messages do "
                    "not count."),
                  tuple((kind, KIND_LABELS.get(kind, kind), n) for kind, n, _r in rows),
                  order=80),
        Indicator("newsletter_recipients", _("Newsletter recipients"), recipients,
                  _("people"),
                  _("Distinct e-mail addresses that received at least one message in the "
                    "period, by kind (an address that got both kinds counts in each part, "
                    "once in the total)."),
                  tuple((kind, KIND_LABELS.get(kind, kind), r) for kind, _n, r in rows),
                  order=82),
    ]
