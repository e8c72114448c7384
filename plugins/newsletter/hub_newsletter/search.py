"""The newsletter plugin's part of the site search: campaigns in the public archive."""
from __future__ import annotations

from hub.search import Document, SearchSource
from hub_newsletter import content
from hub_newsletter.i18n import _
from hub_newsletter.models import Campaign


def campaign_documents(dbsession, campaigns):
    """Sent campaigns shown in the archive, with the archive's neutral values filled in."""
    from hub_newsletter.rendering import archive_subject, archive_values

    for campaign in campaigns:
        if campaign.status != "sent" or not campaign.in_archive:
            continue
        body = content.substitute(campaign.body, archive_values(campaign))
        yield Document(key=campaign.id, title=archive_subject(campaign), body=body,
                       summary=campaign.preheader, route="newsletter.archive_item",
                       route_args={"id": campaign.id})


SOURCES = [
    SearchSource("newsletter.campaign", _("Newsletter"), Campaign, campaign_documents,
                 fields=("status", "in_archive", "subject", "preheader", "body",
                         "event_title")),
]
