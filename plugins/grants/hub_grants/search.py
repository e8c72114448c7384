"""The grants plugin's part of the site search: published calls, with their FAQ."""
from __future__ import annotations

from hub.search import Document, SearchSource
from hub_grants.i18n import _
from hub_grants.models import Call

LANGUAGES = ("cs", "en")


def _faq(call: Call, language: str) -> str:
    def pick(entry, field):
        return (entry.get(f"{field}_en") if language == "en" else "") or entry.get(f"{field}_cs")

    return "\n".join(f"{pick(f, 'q')} {pick(f, 'a')}" for f in call.faq or [])


def call_documents(dbsession, calls):
    """A Czech and an English document per published call; unpublished calls are not
    found."""
    for call in calls:
        if not call.published:
            continue
        for language in LANGUAGES:
            other = "en" if language == "cs" else "cs"
            description = call.text("description", language)
            yield Document(
                key=call.id, language=language, title=call.text("title", language),
                body="\n".join((description, _faq(call, language))),
                extra="\n".join((call.text("title", other), call.text("description", other))),
                summary=description[:300], route="grants.call", route_args={"id": call.id})


SOURCES = [
    SearchSource("grants.call", _("Grant call"), Call, call_documents,
                 fields=("title_cs", "title_en", "description_cs", "description_en", "faq",
                         "published")),
]
