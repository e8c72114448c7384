"""E-learning: the server time of a course progress update (target < 10 ms) and a lesson
page of a public course (loaded by wrk with the other public pages)."""
from __future__ import annotations

from bench.common import CSRF_TOKEN, Row, median_ms, test_client


def pages(registry) -> list:
    """A published article lesson of a public course (the one with the most lessons)."""
    import sqlalchemy as sa

    try:
        from hub_elearning.models import Course, Lesson
    except ImportError:
        return []
    with registry["hub.dbsession_factory"]() as db:
        course_id = db.scalar(
            sa.select(Lesson.course_id).join(Course, Course.id == Lesson.course_id)
            .where(Course.visibility == "public", Course.is_published.is_(True),
                   Lesson.is_published.is_(True))
            .group_by(Lesson.course_id).order_by(sa.func.count().desc(), Lesson.course_id)
            .limit(1))
        if course_id is None:
            return []
        slug = db.scalar(sa.select(Course.slug).where(Course.id == course_id))
        lesson_id = db.scalar(
            sa.select(Lesson.id).where(Lesson.course_id == course_id,
                                       Lesson.is_published.is_(True), Lesson.kind == "article")
            .order_by(Lesson.position, Lesson.id).limit(1))
    if lesson_id is None:
        return []
    return [("lesson", f"/elearning/courses/{slug}/lessons/{lesson_id}", 0.40, 50.0)]


def measure(registry, args) -> list[Row]:
    """Median server time of marking a lesson complete (POST, signed in), in process."""
    import sqlalchemy as sa

    try:
        from hub_elearning.models import Course, Lesson, Section
    except ImportError:
        return []
    with registry["hub.dbsession_factory"]() as db:
        targets = db.execute(
            sa.select(Course.slug, Lesson.id).join(Section, Section.course_id == Course.id)
            .join(Lesson, Lesson.section_id == Section.id)
            .where(Course.visibility == "public", Course.is_published.is_(True),
                   Lesson.is_published.is_(True), Lesson.kind != "quiz")).all()
    if not targets:
        return []
    client = test_client(registry, "member@example.org")
    position = iter(range(10**9))

    def complete():
        slug, lesson_id = targets[next(position) % len(targets)]
        client.post(f"/elearning/courses/{slug}/lessons/{lesson_id}/complete",
                    {"csrf_token": CSRF_TOKEN}, status=303)

    median, p99 = median_ms(complete, 200)
    return [Row("course progress update", median, p99, None, None, "< 10 ms", median < 10,
                "median server time, in process")]
