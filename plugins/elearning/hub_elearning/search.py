"""The e-learning plugin's part of the site search: courses in the catalogue."""
from __future__ import annotations

from hub.richtext import text_of
from hub.search import Document, SearchSource
from hub_elearning.i18n import _
from hub_elearning.models import Course

LANGUAGES = ("cs", "en")


def course_documents(dbsession, courses):
    """Published courses that the catalogue lists (not those shared by link only): a Czech
    and an English document each, the other language's title and summary found too."""
    for course in courses:
        if not course.is_published or course.visibility == "link":
            continue
        topics = "\n".join(f"{t.name_cs}, {t.name_en}" for t in course.topics)
        for language in LANGUAGES:
            other = "en" if language == "cs" else "cs"
            text = course.translated
            yield Document(
                key=course.id, language=language, title=text("title", language),
                body="\n".join((text("summary", language),
                                text_of(text("description", language)))),
                extra="\n".join((topics, text("title", other), text("summary", other))),
                summary=text("summary", language), route="elearning.course",
                route_args={"slug": course.slug})


SOURCES = [
    SearchSource("elearning.course", _("Online course"), Course, course_documents,
                 fields=("title", "summary", "description", "title_en", "summary_en",
                         "description_en", "slug", "is_published", "visibility", "topics"),
                 version="2"),
]
