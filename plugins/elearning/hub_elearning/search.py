"""The e-learning plugin's part of the site search: courses in the catalogue."""
from __future__ import annotations

from hub.richtext import text_of
from hub.search import Document, SearchSource
from hub_elearning.i18n import _
from hub_elearning.models import Course


def course_documents(dbsession, courses):
    """Published courses that the catalogue lists (not those shared by link only)."""
    for course in courses:
        if not course.is_published or course.visibility == "link":
            continue
        topics = "\n".join(f"{t.name_cs}, {t.name_en}" for t in course.topics)
        yield Document(key=course.id, title=course.title,
                       body="\n".join((course.summary, text_of(course.description))),
                       extra=topics, summary=course.summary, route="elearning.course",
                       route_args={"slug": course.slug})


SOURCES = [
    SearchSource("elearning.course", _("Online course"), Course, course_documents,
                 fields=("title", "summary", "description", "slug", "is_published",
                         "visibility", "topics")),
]
