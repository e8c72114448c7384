"""Courses, their sections and lessons, quizzes, learners' progress and certificates.

Invariants live here as constraints: a lesson belongs to a section of its own course
(composite foreign key), a published video lesson has captions and a transcript, a
learner's quiz attempts are numbered 1..n without gaps or duplicates (unique number, so two
concurrent submissions cannot both take the last attempt), one progress row per learner
and lesson, one certificate per learner and course.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, UTCDateTime, utcnow
from hub.topics.models import Topic
from hub.translations import Translated

VISIBILITIES = ("public", "signed_in", "members", "link")
LEVELS = ("beginner", "intermediate", "advanced")
LANGUAGES = ("cs", "en")
LESSON_KINDS = ("article", "video", "document", "quiz")
QUESTION_KINDS = ("single", "multiple", "short")
COMPLETION_RULES = ("all_lessons", "quizzes")
# When a learner sees which answers were right (and the questions' feedback): never, once
# they passed, or once they can no longer try (passed or out of attempts).
REVIEW_POLICIES = ("never", "after_passing", "after_last_attempt")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# A course's topics: the core's shared taxonomy (disease areas and themes).
course_topic = sa.Table(
    "elearning_course_topic", Base.metadata,
    sa.Column("course_id", sa.ForeignKey("elearning_course.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("topic_id", sa.ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class Course(Translated, Base):
    __tablename__ = "elearning_course"
    TRANSLATED = ("title", "summary", "description")
    __table_args__ = (
        sa.CheckConstraint(_in("visibility", VISIBILITIES), name="visibility"),
        sa.CheckConstraint(_in("level", LEVELS), name="level"),
        sa.CheckConstraint(_in("language", LANGUAGES), name="language"),
        sa.CheckConstraint(_in("completion_rule", COMPLETION_RULES), name="completion_rule"),
        sa.CheckConstraint("duration_minutes >= 0", name="duration"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")  # sanitised HTML
    title_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    summary_en: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    level: Mapped[str] = mapped_column(sa.String(20), default="beginner")
    language: Mapped[str] = mapped_column(sa.String(2), default="cs")
    duration_minutes: Mapped[int] = mapped_column(default=0)
    visibility: Mapped[str] = mapped_column(sa.String(20), default="public")
    link_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    completion_rule: Mapped[str] = mapped_column(sa.String(20), default="all_lessons")
    is_published: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    sections: Mapped[list[Section]] = relationship(
        back_populates="course", order_by="(Section.position, Section.id)",
        cascade="all, delete-orphan", passive_deletes=True)
    topics: Mapped[list[Topic]] = relationship(
        Topic, secondary=course_topic, lazy="select", order_by=(Topic.position, Topic.id))

    @property
    def topic_slugs(self) -> list[str]:
        return [t.slug for t in self.topics]

    def topic_names(self, language: str) -> str:
        return ", ".join(t.name(language) for t in self.topics)


class Section(Translated, Base):
    __tablename__ = "elearning_section"
    TRANSLATED = ("title",)
    __table_args__ = (
        sa.UniqueConstraint("id", "course_id", name="uq_elearning_section_id_course"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("elearning_course.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    position: Mapped[int] = mapped_column(default=0)

    course: Mapped[Course] = relationship(back_populates="sections")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="section", order_by="(Lesson.position, Lesson.id)",
        cascade="all, delete-orphan", passive_deletes=True,
        primaryjoin="Section.id == Lesson.section_id", foreign_keys="Lesson.section_id")


class Lesson(Translated, Base):
    """A lesson; its title and text have English versions, while a video, its captions and
    transcript are in the language spoken (``captions_language``)."""

    __tablename__ = "elearning_lesson"
    TRANSLATED = ("title", "body")
    __table_args__ = (
        sa.ForeignKeyConstraint(["section_id", "course_id"],
                                ["elearning_section.id", "elearning_section.course_id"],
                                name="fk_elearning_lesson_section_course", ondelete="CASCADE"),
        sa.CheckConstraint(_in("kind", LESSON_KINDS), name="kind"),
        sa.CheckConstraint("pass_mark >= 0 AND pass_mark <= 100", name="pass_mark"),
        sa.CheckConstraint("max_attempts IS NULL OR max_attempts >= 1", name="max_attempts"),
        sa.CheckConstraint(_in("review_policy", REVIEW_POLICIES), name="review_policy"),
        # Accessibility: no video is published without captions and a transcript.
        sa.CheckConstraint(
            "kind <> 'video' OR NOT is_published OR "
            "((captions_vtt <> '' OR captions_url <> '') AND transcript <> '')",
            name="video_accessible"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("elearning_course.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)
    is_published: Mapped[bool] = mapped_column(default=False)
    is_preview: Mapped[bool] = mapped_column(default=False)
    duration_minutes: Mapped[int] = mapped_column(default=0)
    body: Mapped[str] = mapped_column(sa.Text, default="")  # sanitised HTML
    title_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    body_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    video_url: Mapped[str] = mapped_column(sa.String(500), default="")
    embed_url: Mapped[str] = mapped_column(sa.String(500), default="")
    file_key: Mapped[str] = mapped_column(sa.String(100), default="")
    file_name: Mapped[str] = mapped_column(sa.String(200), default="")
    file_type: Mapped[str] = mapped_column(sa.String(100), default="")
    captions_vtt: Mapped[str] = mapped_column(sa.Text, default="")
    captions_url: Mapped[str] = mapped_column(sa.String(500), default="")
    captions_language: Mapped[str] = mapped_column(sa.String(2), default="cs")
    transcript: Mapped[str] = mapped_column(sa.Text, default="")
    pass_mark: Mapped[int] = mapped_column(default=60)
    max_attempts: Mapped[int | None] = mapped_column(default=3)
    review_policy: Mapped[str] = mapped_column(sa.String(20), default="after_last_attempt",
                                               server_default="after_last_attempt")
    source_event_id: Mapped[str] = mapped_column(sa.String(100), default="")

    section: Mapped[Section] = relationship(
        back_populates="lessons", primaryjoin="Section.id == Lesson.section_id",
        foreign_keys=[section_id])
    questions: Mapped[list[Question]] = relationship(
        back_populates="lesson", order_by="(Question.position, Question.id)",
        cascade="all, delete-orphan", passive_deletes=True)


class Question(Base):
    __tablename__ = "elearning_question"
    __table_args__ = (sa.CheckConstraint(_in("kind", QUESTION_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(
        sa.ForeignKey("elearning_lesson.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    text: Mapped[str] = mapped_column(sa.String(1000))
    feedback: Mapped[str] = mapped_column(sa.String(2000), default="")
    accepted_answers: Mapped[str] = mapped_column(sa.String(1000), default="")  # short answers
    position: Mapped[int] = mapped_column(default=0)

    lesson: Mapped[Lesson] = relationship(back_populates="questions")
    choices: Mapped[list[Choice]] = relationship(
        back_populates="question", order_by="Choice.id", cascade="all, delete-orphan",
        passive_deletes=True)


class Choice(Base):
    __tablename__ = "elearning_choice"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("elearning_question.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(sa.String(500))
    is_correct: Mapped[bool] = mapped_column(default=False)

    question: Mapped[Question] = relationship(back_populates="choices")


class Enrolment(Base):
    """A learner's place in a course: when they started and finished."""

    __tablename__ = "elearning_enrolment"
    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("elearning_course.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class LessonProgress(Base):
    """A learner's completion of one lesson: viewed (articles, videos...) or passed (quiz)."""

    __tablename__ = "elearning_lesson_progress"
    __table_args__ = (sa.UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(
        sa.ForeignKey("elearning_lesson.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuizAttempt(Base):
    """One submitted attempt; ``number`` counts from 1 within a round and is unique per
    learner, quiz and round. A learner's first attempts are round 1; each reset by staff
    starts the next round (``QuizReset``), so earlier attempts stay in the report."""

    __tablename__ = "elearning_quiz_attempt"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "lesson_id", "round", "number"),
        sa.CheckConstraint("number >= 1", name="number"),
        sa.CheckConstraint("round >= 1", name="round"),
        sa.CheckConstraint("score >= 0 AND score <= 100", name="score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(
        sa.ForeignKey("elearning_lesson.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(default=1, server_default="1")
    number: Mapped[int]
    score: Mapped[int]
    passed: Mapped[bool]
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuizReset(Base):
    """A learner's next round of attempts at a quiz: asked for by the learner (``requested_at``)
    and granted by staff (``reset_at``). A row with ``reset_at`` empty is a request waiting
    for staff; the learner's current round is the highest granted one (1 without any)."""

    __tablename__ = "elearning_quiz_reset"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "lesson_id", "round"),
        sa.CheckConstraint("round >= 2", name="round"),
        sa.CheckConstraint("requested_at IS NOT NULL OR reset_at IS NOT NULL", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(
        sa.ForeignKey("elearning_lesson.id", ondelete="CASCADE"), index=True)
    round: Mapped[int]
    message: Mapped[str] = mapped_column(sa.String(1000), default="")
    requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    reset_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    reset_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), default=None)


class Certificate(Translated, Base):
    """A certificate of completion; the code is printed on the PDF and verifiable publicly.
    The course's title is kept as it was when the certificate was issued, in both
    languages."""

    __tablename__ = "elearning_certificate"
    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)
    TRANSLATED = ("course_title",)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("elearning_course.id", ondelete="CASCADE"), index=True)
    learner_name: Mapped[str] = mapped_column(sa.String(200))
    course_title: Mapped[str] = mapped_column(sa.String(200))
    course_title_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
