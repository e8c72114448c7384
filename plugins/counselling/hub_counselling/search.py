"""The counselling plugin's part of the site search: the published questions."""
from __future__ import annotations

from hub.search import Document, SearchSource
from hub_counselling.i18n import _
from hub_counselling.models import FaqEntry


def faq_documents(dbsession, entries):
    """A document per language of the hub for every question (the other language's text
    where one is missing)."""
    for entry in entries:
        for language, other in (("cs", "en"), ("en", "cs")):
            yield Document(
                key=entry.id, language=language, title=entry.text("question", language),
                body=entry.text("answer", language),
                extra="\n".join((entry.text("question", other), entry.text("answer", other))),
                summary=entry.text("answer", language), route="counselling.faq",
                anchor=f"faq-{entry.id}")


SOURCES = [
    SearchSource("counselling.faq", _("Frequently asked question"), FaqEntry, faq_documents,
                 fields=("question_cs", "answer_cs", "question_en", "answer_en")),
]
