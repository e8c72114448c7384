"""Every public page and widget of the e-learning plugin reads a fixed number of SQL
statements, however many courses, topics and lessons there are (no query per row)."""
import pytest

from hub.testing import page_query_counts
from hub_elearning.models import Lesson

# Statements of the e-learning plugin per page (the core's own reads are not counted).
# The API list counts the matching courses (its "total") like the catalogue page does.
CAPS = {"catalogue": 3, "catalogue page 2": 3, "course": 7, "lesson": 4, "home": 1,
        "api list": 3, "api course": 4}


def _counts(client, connection, pages, clear=True) -> dict:
    return page_query_counts(client, connection, pages, "elearning_", cold=clear)


def _courses(make_course, first, n):
    return [make_course(slug=f"kurz-{i}", title=f"Kurz {i}",
                        topics=[("diabetes", "oncology", "legislation")[i % 3], "patient-rights"])
            for i in range(first, first + n)]


@pytest.mark.parametrize("signed_in", [False, True])
def test_pages_read_a_fixed_number_of_statements(elearning, make_course, users, dbsession,
                                                connection, lesson_url, signed_in):
    if signed_in:
        elearning.login(users.member)
    course, article, video, quiz = _courses(make_course, 0, 26)[0]  # two catalogue pages
    pages = {"catalogue": "/elearning", "catalogue page 2": "/elearning?page=2",
             "course": f"/elearning/courses/{course.slug}",
             "lesson": lesson_url(course, article), "home": "/",
             "api list": "/api/v1/elearning/courses",
             "api course": f"/api/v1/elearning/courses/{course.slug}"}
    few = _counts(elearning, connection, pages)
    _courses(make_course, 26, 30)
    for n in range(20):
        dbsession.add(Lesson(course_id=course.id, section_id=article.section_id, kind="article",
                             title=f"Lekce {n}", position=10 + n, body="<p>x</p>",
                             is_published=True))
    dbsession.flush()
    many = _counts(elearning, connection, pages)
    assert many == few
    over = {name: n for name, n in many.items() if n > CAPS[name]}
    assert not over, (over, many)
