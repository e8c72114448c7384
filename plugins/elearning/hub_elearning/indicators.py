"""The e-learning plugin's figures for the funder (``hub_indicators``).

An enrolment counts in the period in which the learner started the course, a completion
in the period in which they finished it (``completed_at``, set when the course's
completion rule was met). Breakdowns are by course.
"""
from __future__ import annotations

import sqlalchemy as sa

from hub.contributions import Indicator, Trained
from hub.indicators.reach import views_of
from hub_elearning.i18n import _
from hub_elearning.models import Course, Enrolment

# The pages whose views count as course views (route names).
COURSE_PAGES = ("elearning.course", "elearning.lesson")
# Courses named one by one in a breakdown; the rest are added up as "other courses".
BREAKDOWN_COURSES = 15


def _per_course(db, column, start, end) -> tuple[int, tuple]:
    rows = db.execute(sa.select(Course.id, Course.title, sa.func.count())
                      .join(Enrolment, Enrolment.course_id == Course.id)
                      .where(column >= start, column < end)
                      .group_by(Course.id, Course.title)
                      .order_by(sa.func.count().desc(), Course.title)).all()
    parts = [(f"course:{cid}", title, n) for cid, title, n in rows[:BREAKDOWN_COURSES]]
    rest = sum(n for _cid, _title, n in rows[BREAKDOWN_COURSES:])
    if rest:
        parts.append(("other", _("Other courses"), rest))
    return sum(n for _cid, _title, n in rows), tuple(parts)


def indicators(request, start, end) -> list:
    db = request.dbsession
    enrolled, by_course = _per_course(db, Enrolment.started_at, start, end)
    completed, done_by_course = _per_course(db, Enrolment.completed_at, start, end)
    completed_in = sa.and_(Enrolment.completed_at >= start, Enrolment.completed_at < end)
    minutes = db.scalar(sa.select(sa.func.coalesce(sa.func.sum(Course.duration_minutes), 0))
                        .join(Enrolment, Enrolment.course_id == Course.id).where(completed_in))
    people = sa.select(Enrolment.user_id, sa.null()).where(completed_in)
    return [
        Indicator("course_enrolments", _("Course enrolments"), enrolled, _("enrolments"),
                  _("Learners who started a course in the period, by course. A learner who "
                    "started two courses counts twice."), by_course, order=50),
        Indicator("course_completions", _("Course completions"), completed, _("completions"),
                  _("Courses finished in the period (the course's completion rule met), by "
                    "course. A learner who finished two courses counts twice here (once in "
                    "people trained)."), done_by_course, order=52),
        Indicator("course_views", _("Course views"),
                  views_of(request, start, end, COURSE_PAGES), _("views"),
                  _("Course and lesson pages people opened in the period, counted the way "
                    "portal page views are (no cookie, nothing about the visitor, robots left "
                    "out): views, not viewers."), order=54),
        Trained("elearning", _("Courses"), people, (minutes or 0) / 60),
    ]
