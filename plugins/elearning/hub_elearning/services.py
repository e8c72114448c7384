"""Rules of the e-learning plugin: who may see what, progress, quizzes, certificates."""
from __future__ import annotations

import re
import secrets
import unicodedata
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import lazyload, load_only, selectinload

from hub.db import utcnow
from hub.organizations.models import Membership
from hub.richtext import sanitise
from hub.security import STAFF
from hub.topics import Topic, topic_choices
from hub_elearning.models import (
    Certificate,
    Choice,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    Question,
    QuizAttempt,
    QuizReset,
    Section,
    course_topic,
)

MANAGE = "elearning:course:manage"
REPORTS = "elearning:report:view"

# -- HTML -------------------------------------------------------------------------------

def clean_html(html: str) -> str:
    """Rich text reduced to the hub's one allow-list (``hub.richtext.sanitise``): no
    scripts, event handlers, styles or javascript:/data: URLs (E3)."""
    return sanitise(html)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:100] or "kurz"


def new_token() -> str:
    return secrets.token_urlsafe(24)


# -- video ------------------------------------------------------------------------------

def embed_url_for(url: str) -> str | None:
    """The privacy-friendly embed URL for a YouTube or Vimeo link, or None if not one.

    Only hosts allowed by the Content-Security-Policy (frame-src) can be embedded.
    """
    parts = urlsplit((url or "").strip())
    if parts.scheme != "https":
        return None
    host = (parts.hostname or "").lower()
    video_id = None
    if host in ("www.youtube.com", "youtube.com", "m.youtube.com", "www.youtube-nocookie.com"):
        if parts.path == "/watch":
            video_id = (parse_qs(parts.query).get("v") or [None])[0]
        elif parts.path.startswith("/embed/"):
            video_id = parts.path.split("/")[2]
        if video_id and re.fullmatch(r"[A-Za-z0-9_-]{6,20}", video_id):
            return f"https://www.youtube-nocookie.com/embed/{video_id}"
        return None
    if host == "youtu.be":
        video_id = parts.path.strip("/")
        if re.fullmatch(r"[A-Za-z0-9_-]{6,20}", video_id):
            return f"https://www.youtube-nocookie.com/embed/{video_id}"
        return None
    if host in ("vimeo.com", "www.vimeo.com", "player.vimeo.com"):
        match = re.search(r"(\d{5,12})$", parts.path.rstrip("/"))
        if match:
            return f"https://player.vimeo.com/video/{match.group(1)}"
    return None


def is_https_url(url: str) -> bool:
    parts = urlsplit((url or "").strip())
    return parts.scheme == "https" and bool(parts.hostname)


# -- files ------------------------------------------------------------------------------

FILE_TYPES = {".pdf": "application/pdf", ".mp4": "video/mp4", ".webm": "video/webm",
              ".vtt": "text/vtt"}


def store_file(request, data: bytes, suffix: str) -> str:
    """Keep an uploaded lesson file on the hub's storage (shared by every machine); the
    file goes again if the request's transaction does not commit."""
    from hub.storage import storage

    stored = storage(request).save(data, namespace="elearning", filename="lesson" + suffix,
                                   max_size=len(data), allowed_types={FILE_TYPES[suffix]})
    return stored.key


def legacy_file_path(registry, key: str) -> Path | None:
    """A file kept in the local data directory before lesson files moved to the storage
    (keys of 64 hexadecimal digits and a suffix)."""
    if not re.fullmatch(r"[0-9a-f]{64}\.[a-z0-9]{2,5}", key or ""):
        return None
    path = Path(registry.settings["hub.data_dir"]) / "elearning" / key
    return path if path.exists() else None


# -- access -----------------------------------------------------------------------------

def is_manager(request) -> bool:
    # Cached: a permission check costs a query (representative role) and pages ask per lesson.
    cache = request.environ.setdefault("elearning.access", {})
    if "manager" not in cache:
        cache["manager"] = bool(request.has_permission(MANAGE))
    return cache["manager"]


def is_org_member(request) -> bool:
    user = request.identity
    if user is None:
        return False
    cache = request.environ.setdefault("elearning.member", {})
    if user.id not in cache:
        cache[user.id] = request.dbsession.execute(
            sa.select(Membership.id).where(Membership.user_id == user.id).limit(1)
        ).first() is not None
    return cache[user.id]


def is_enrolled(request, course) -> bool:
    user = request.identity
    if user is None:
        return False
    cache = request.environ.setdefault("elearning.enrolled", {})
    if course.id not in cache:
        cache[course.id] = request.dbsession.execute(
            sa.select(Enrolment.id).where(Enrolment.user_id == user.id,
                                          Enrolment.course_id == course.id)).first() is not None
    return cache[course.id]


def has_link(request, course) -> bool:
    key = request.params.get("key", "")
    return bool(key) and secrets.compare_digest(key.encode(), course.link_token.encode())


def can_see(request, course) -> bool:
    """May the current user see the course page and its preview lessons?"""
    if is_manager(request):
        return True
    if not course.is_published:
        return False
    if course.visibility == "link":
        return has_link(request, course) or is_enrolled(request, course)
    return True


def can_take(request, course) -> bool:
    """May the current user open every lesson (not only the previews)?"""
    if not can_see(request, course):
        return False
    if is_manager(request) or course.visibility in ("public", "link"):
        return True
    if course.visibility == "signed_in":
        return request.identity is not None
    cache = request.environ.setdefault("elearning.access", {})
    if "staff" not in cache:
        cache["staff"] = bool(request.has_permission(STAFF))
    return is_org_member(request) or cache["staff"]


def can_open_lesson(request, course, lesson) -> bool:
    if not is_manager(request) and not lesson.is_published:
        return False
    return can_take(request, course) or (lesson.is_preview and can_see(request, course))


def listed_courses_query(request):
    """Courses in the catalogue: published and not link-only (managers see everything)."""
    stmt = sa.select(Course)
    if not is_manager(request):
        stmt = stmt.where(Course.is_published.is_(True), Course.visibility != "link")
    return stmt


def course_filter(request, q="", topic="", level="", language=""):
    """The catalogue's query (courses the user may list) with the visitor's filters."""
    stmt = listed_courses_query(request)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(sa.or_(
            sa.func.lower(Course.title).like(like), sa.func.lower(Course.summary).like(like),
            sa.func.lower(Course.title_en).like(like),
            sa.func.lower(Course.summary_en).like(like),
            Course.id.in_(sa.select(course_topic.c.course_id)
                          .join(Topic, Topic.id == course_topic.c.topic_id)
                          .where(sa.or_(sa.func.lower(Topic.name_cs).like(like),
                                        sa.func.lower(Topic.name_en).like(like))))))
    if topic:
        stmt = stmt.where(Course.id.in_(
            sa.select(course_topic.c.course_id).join(Topic, Topic.id == course_topic.c.topic_id)
            .where(Topic.slug == topic)))
    if level:
        stmt = stmt.where(Course.level == level)
    if language:
        stmt = stmt.where(Course.language == language)
    return stmt


# The columns of a course the catalogue and the API list show (not the description).
LIST_COLUMNS = (Course.id, Course.slug, Course.title, Course.summary, Course.title_en,
                Course.summary_en, Course.level, Course.language, Course.duration_minutes,
                Course.visibility, Course.is_published, Course.created_at)


def search_courses(request, q="", topic="", level="", language="", limit=None, offset=0,
                   with_topics=True):
    stmt = course_filter(request, q, topic, level, language)
    stmt = stmt.options(load_only(*LIST_COLUMNS),
                        selectinload(Course.topics) if with_topics else lazyload(Course.topics))
    stmt = stmt.order_by(Course.created_at.desc(), Course.id.desc())
    if limit:
        stmt = stmt.limit(limit).offset(offset)
    return request.dbsession.scalars(stmt).all()


def count_courses(request, q="", topic="", level="", language="") -> int:
    stmt = course_filter(request, q, topic, level, language)
    return request.dbsession.scalar(stmt.with_only_columns(sa.func.count(Course.id)))


def topics(request) -> list[tuple[str, str]]:
    """The shared topics as ``(slug, name)`` for the catalogue's filter."""
    return topic_choices(request)


def load_course(request, slug: str) -> Course | None:
    return request.dbsession.scalars(
        sa.select(Course).where(Course.slug == slug).options(
            selectinload(Course.sections).selectinload(Section.lessons))).first()


def visible_lessons(request, course) -> list[Lesson]:
    """Lessons of the course in order, as the current user sees the outline."""
    manager = is_manager(request)
    return [lesson for section in course.sections for lesson in section.lessons
            if manager or lesson.is_published]


def published_lessons(course) -> list[Lesson]:
    return [lesson for section in course.sections for lesson in section.lessons
            if lesson.is_published]


# -- progress ---------------------------------------------------------------------------

def completed_lesson_ids(dbsession, user_id: int, course_id: int) -> set[int]:
    stmt = (sa.select(LessonProgress.lesson_id).join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(LessonProgress.user_id == user_id, Lesson.course_id == course_id))
    return set(dbsession.scalars(stmt))


def required_lessons(course) -> list[Lesson]:
    lessons = published_lessons(course)
    if course.completion_rule == "quizzes":
        quizzes = [lesson for lesson in lessons if lesson.kind == "quiz"]
        return quizzes or lessons
    return lessons


def percent_done(course, done: set[int]) -> int:
    required = required_lessons(course)
    if not required:
        return 0
    return round(100 * sum(1 for lesson in required if lesson.id in done) / len(required))


def next_lesson(course, done: set[int]) -> Lesson | None:
    """Where the learner continues: the first published lesson not completed yet."""
    for lesson in published_lessons(course):
        if lesson.id not in done:
            return lesson
    return None


def ensure_enrolment(dbsession, user, course) -> Enrolment:
    enrolment = dbsession.scalars(sa.select(Enrolment).where(
        Enrolment.user_id == user.id, Enrolment.course_id == course.id)).first()
    if enrolment is None:
        enrolment = Enrolment(user_id=user.id, course_id=course.id)
        with dbsession.begin_nested():
            dbsession.add(enrolment)
            try:
                dbsession.flush()
            except sa.exc.IntegrityError:
                enrolment = None
        if enrolment is None:  # a concurrent request created it first
            enrolment = dbsession.scalars(sa.select(Enrolment).where(
                Enrolment.user_id == user.id, Enrolment.course_id == course.id)).one()
    return enrolment


def record_completion(request, course, lesson) -> Certificate | None:
    """Mark ``lesson`` done for the current user; complete the course when the rule is met.

    Returns the new certificate when this call completed the course.
    """
    user = request.identity
    dbsession = request.dbsession
    enrolment = ensure_enrolment(dbsession, user, course)
    enrolment.last_activity_at = utcnow()
    exists = dbsession.execute(sa.select(LessonProgress.id).where(
        LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id)).first()
    if exists is None:
        try:
            with dbsession.begin_nested():
                dbsession.add(LessonProgress(user_id=user.id, lesson_id=lesson.id))
                dbsession.flush()
        except sa.exc.IntegrityError:
            pass  # recorded by a concurrent request
    if enrolment.completed_at is not None:
        return None
    done = completed_lesson_ids(dbsession, user.id, course.id)
    required = required_lessons(course)
    if not required or not all(item.id in done for item in required):
        return None
    enrolment.completed_at = utcnow()
    return issue_certificate(dbsession, user, course)


def issue_certificate(dbsession, user, course) -> Certificate:
    existing = dbsession.scalars(sa.select(Certificate).where(
        Certificate.user_id == user.id, Certificate.course_id == course.id)).first()
    if existing is not None:
        return existing
    certificate = Certificate(code=new_certificate_code(), user_id=user.id, course_id=course.id,
                              learner_name=user.name or user.email, course_title=course.title,
                              course_title_en=course.title_en)
    dbsession.add(certificate)
    dbsession.flush()
    return certificate


CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_certificate_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(code: str) -> str:
    raw = re.sub(r"[^A-Z0-9]", "", (code or "").upper())
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}" if len(raw) == 12 else ""


# -- quizzes ----------------------------------------------------------------------------

class AttemptLimitReached(Exception):
    """No attempt left (or a concurrent submission took the last one)."""


def current_round(dbsession, user_id: int, lesson_id: int) -> int:
    """The learner's round of attempts: 1, and one more for each reset staff granted."""
    return dbsession.scalar(sa.select(sa.func.max(QuizReset.round)).where(
        QuizReset.user_id == user_id, QuizReset.lesson_id == lesson_id,
        QuizReset.reset_at.is_not(None))) or 1


def attempts_of(dbsession, user_id: int, lesson_id: int,
                round_: int | None = None) -> list[QuizAttempt]:
    """The learner's attempts in the current round (or in ``round_``)."""
    if round_ is None:
        round_ = current_round(dbsession, user_id, lesson_id)
    return dbsession.scalars(sa.select(QuizAttempt).where(
        QuizAttempt.user_id == user_id, QuizAttempt.lesson_id == lesson_id,
        QuizAttempt.round == round_).order_by(QuizAttempt.number)).all()


def may_review(lesson, passed: bool, attempts_left: int | None) -> bool:
    """Does the quiz's policy let the learner see the right answers and feedback now?"""
    if lesson.review_policy == "after_passing":
        return passed
    if lesson.review_policy == "after_last_attempt":
        return passed or attempts_left == 0
    return False


def right_answers(question) -> list[str]:
    """What counts as right, as the review shows it."""
    if question.kind == "short":
        return [a.strip() for a in question.accepted_answers.splitlines() if a.strip()]
    return [c.text for c in question.choices if c.is_correct]


def pending_reset(dbsession, user_id: int, lesson_id: int, round_: int) -> QuizReset | None:
    """The learner's request for the round after ``round_``, while staff have not granted it."""
    return dbsession.scalars(sa.select(QuizReset).where(
        QuizReset.user_id == user_id, QuizReset.lesson_id == lesson_id,
        QuizReset.round == round_ + 1, QuizReset.reset_at.is_(None))).first()


class ResetNotNeeded(Exception):
    """The learner passed the quiz or still has attempts left."""


def out_of_attempts(dbsession, user_id: int, lesson) -> bool:
    if lesson.max_attempts is None:
        return False
    attempts = attempts_of(dbsession, user_id, lesson.id)
    return len(attempts) >= lesson.max_attempts and not any(a.passed for a in attempts)


def request_reset(dbsession, user, lesson, message: str) -> tuple[QuizReset, bool]:
    """The learner out of attempts asks staff for new ones (once per round): the request
    and whether it is new.

    Raises ``ResetNotNeeded`` when they may still try or passed; an earlier request for the
    same round is returned unchanged (the unique round keeps a double submission single)."""
    if not out_of_attempts(dbsession, user.id, lesson):
        raise ResetNotNeeded()
    round_ = current_round(dbsession, user.id, lesson.id)
    existing = pending_reset(dbsession, user.id, lesson.id, round_)
    if existing is not None:
        return existing, False
    request = QuizReset(user_id=user.id, lesson_id=lesson.id, round=round_ + 1,
                        message=message.strip()[:1000], requested_at=utcnow())
    try:
        with dbsession.begin_nested():
            dbsession.add(request)
            dbsession.flush()
    except sa.exc.IntegrityError:
        return pending_reset(dbsession, user.id, lesson.id, round_), False
    return request, True


def reset_attempts(dbsession, learner_id: int, lesson, staff) -> QuizReset:
    """Staff give the learner a new round of attempts, granting their request if any.

    Raises ``ResetNotNeeded`` when the learner passed or has attempts left."""
    if not out_of_attempts(dbsession, learner_id, lesson):
        raise ResetNotNeeded()
    round_ = current_round(dbsession, learner_id, lesson.id)
    reset = pending_reset(dbsession, learner_id, lesson.id, round_)
    if reset is None:
        reset = QuizReset(user_id=learner_id, lesson_id=lesson.id, round=round_ + 1)
        dbsession.add(reset)
    reset.reset_at = utcnow()
    reset.reset_by_id = staff.id
    try:
        with dbsession.begin_nested():
            dbsession.flush()
    except sa.exc.IntegrityError as exc:  # a colleague reset it at the same moment
        raise ResetNotNeeded() from exc
    return reset


def reset_requests(dbsession, course_id: int) -> list[QuizReset]:
    """Requests for new attempts at the course's quizzes that staff have not granted."""
    return dbsession.scalars(sa.select(QuizReset).join(Lesson, Lesson.id == QuizReset.lesson_id)
                             .where(Lesson.course_id == course_id, QuizReset.reset_at.is_(None))
                             .order_by(QuizReset.requested_at)).all()


def course_staff(request) -> list:
    """Who looks after courses: active users of the roles granted the authoring permission."""
    from hub.accounts.models import User

    roles = {principal.split(":", 1)[1] for _allow, principal, permission
             in request.registry["hub.root_acl"]
             if permission == MANAGE and isinstance(principal, str)
             and principal.startswith("role:")}
    if not roles:
        return []
    return list(request.dbsession.scalars(sa.select(User).where(
        User.role.in_(sorted(roles)), User.is_active.is_(True)).order_by(User.id)))


# -- duration ---------------------------------------------------------------------------

def sync_duration(course) -> int:
    """A course lasts as long as its published lessons together: kept in step whenever a
    lesson is saved, published, unpublished or deleted, so the stated time never drifts."""
    course.duration_minutes = sum(lesson.duration_minutes for lesson in published_lessons(course))
    return course.duration_minutes


def _normalise_answer(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text or "")).strip().casefold()


def grade(lesson, answers: dict) -> tuple[int, list[dict]]:
    """Score (0-100) and per-question results for ``answers`` {question id: value(s)}."""
    results = []
    for question in lesson.questions:
        given = answers.get(str(question.id))
        if question.kind == "short":
            accepted = {_normalise_answer(a) for a in question.accepted_answers.splitlines()
                        if a.strip()}
            value = given if isinstance(given, str) else ""
            correct = _normalise_answer(value) in accepted
        else:
            values = given if isinstance(given, list) else ([given] if given else [])
            chosen = {int(v) for v in values if str(v).isdigit()}
            right = {c.id for c in question.choices if c.is_correct}
            correct = bool(right) and chosen == right
        results.append({"question_id": question.id, "correct": correct,
                        "given": given if given is not None else ""})
    if not results:
        return 0, results
    score = round(100 * sum(1 for r in results if r["correct"]) / len(results))
    return score, results


def submit_attempt(request, course, lesson, answers: dict) -> QuizAttempt:
    """Grade and store an attempt; raises ``AttemptLimitReached`` when none is left.

    The attempt number is unique per learner, quiz and round, so of two concurrent submissions
    for the last attempt only one is stored; the database trigger rejects numbers above
    the quiz's limit.
    """
    user = request.identity
    dbsession = request.dbsession
    round_ = current_round(dbsession, user.id, lesson.id)
    used = dbsession.scalar(sa.select(sa.func.count(QuizAttempt.id)).where(
        QuizAttempt.user_id == user.id, QuizAttempt.lesson_id == lesson.id,
        QuizAttempt.round == round_)) or 0
    if lesson.max_attempts is not None and used >= lesson.max_attempts:
        raise AttemptLimitReached()
    score, results = grade(lesson, answers)
    # Taking a quiz is taking part in the course: the learner shows in its report.
    ensure_enrolment(dbsession, user, course).last_activity_at = utcnow()
    attempt = QuizAttempt(user_id=user.id, lesson_id=lesson.id, round=round_, number=used + 1,
                          score=score,
                          passed=score >= lesson.pass_mark,
                          answers={"results": results})
    try:
        with dbsession.begin_nested():
            dbsession.add(attempt)
            dbsession.flush()
    except (sa.exc.IntegrityError, sa.exc.DBAPIError) as exc:
        raise AttemptLimitReached() from exc
    return attempt


def questions_for_learner(lesson) -> list[dict]:
    """A quiz as shown before submission: never which answer is right."""
    return [{"id": q.id, "kind": q.kind, "text": q.text,
             "choices": [{"id": c.id, "text": c.text} for c in q.choices]}
            for q in lesson.questions]


def replace_choices(question: Question, lines: str) -> None:
    """Choices from a text area: one per line, a leading ``*`` marks a correct one."""
    question.choices.clear()
    for line in lines.splitlines():
        text = line.strip()
        if not text:
            continue
        correct = text.startswith("*")
        text = text.lstrip("*").strip()
        if text:
            question.choices.append(Choice(text=text[:500], is_correct=correct))


# -- copies of event recordings ------------------------------------------------------------

def unpublish_copies(request, event_id) -> int:
    """Unpublish the lessons copied from the recording of event ``event_id``."""
    lessons = request.dbsession.scalars(sa.select(Lesson).where(
        Lesson.source_event_id == str(event_id), Lesson.is_published.is_(True))).all()
    for lesson in lessons:
        lesson.is_published = False
    request.dbsession.flush()
    for course in {lesson.section.course for lesson in lessons}:
        sync_duration(course)
    return len(lessons)
