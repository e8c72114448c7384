"""The newsletter plugin's part of the site search: campaigns in the public archive."""
from __future__ import annotations

from hub.search import Document, SearchSource
from hub_newsletter.i18n import _
from hub_newsletter.models import Campaign


def campaign_documents(dbsession, campaigns):
    """Sent campaigns shown in the archive, one document per language (the Czech text where
    there is no English one), with the archive's neutral values filled in."""
    from hub_newsletter import richbody
    from hub_newsletter.rendering import (
        LANGUAGES,
        archive_subject,
        archive_values,
        version_of,
    )

    for campaign in campaigns:
        if campaign.status != "sent" or not campaign.in_archive:
            continue
        for language in LANGUAGES:
            version = version_of(campaign, language)
            html = richbody.body_html(campaign.translated("body", version),
                                      archive_values(campaign, language), "")
            yield Document(key=campaign.id, language=language,
                           title=archive_subject(campaign, language),
                           body=richbody.plain_text(html),
                           summary=campaign.translated("preheader", version),
                           route="newsletter.archive_item", route_args={"id": campaign.id})


SOURCES = [
    SearchSource("newsletter.campaign", _("Newsletter"), Campaign, campaign_documents,
                 fields=("status", "in_archive", "subject", "preheader", "body",
                         "subject_en", "preheader_en", "body_en", "event_title")),
]
