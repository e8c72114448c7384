import pytest

from hub.testing import HubTestApp
from hub_elearning.models import Choice, Course, Lesson, Question, Section

CAPTIONS = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nDobrý den.\n"


class Client(HubTestApp):
    """HubTestApp whose ``csrf_token`` also works once the cookie exists.

    WebTest keeps cookie values quoted, so ``HubTestApp.csrf_token`` returns the token in
    quotes from the second form on (reported for the core).
    """

    @property
    def csrf_token(self) -> str:
        return HubTestApp.csrf_token.fget(self).strip('"')


@pytest.fixture
def elearning(make_app, make_testapp):
    """A test client for an app with only the elearning plugin."""
    client = make_testapp(make_app("elearning"))
    client.__class__ = Client
    return client


def build_course(dbsession, slug="kurz", visibility="public", published=True, max_attempts=2,
                 title="Kurz pro pacienty", topics=()):
    """A course with an article (preview), a video and a quiz of two questions."""
    course = Course(slug=slug, title=title, summary="Shrnutí", description="<p>Popis</p>",
                    level="beginner", language="cs", visibility=visibility,
                    link_token=f"token-{slug}-secret", is_published=published)
    if topics:
        import sqlalchemy as sa

        from hub.topics.demo import seed_topics
        from hub.topics.models import Topic

        seed_topics(dbsession)
        course.topics = list(dbsession.scalars(sa.select(Topic).where(Topic.slug.in_(topics))))
    dbsession.add(course)
    dbsession.flush()
    section = Section(course_id=course.id, title="Úvod", position=1)
    dbsession.add(section)
    dbsession.flush()
    article = Lesson(course_id=course.id, section_id=section.id, kind="article",
                     title="První článek", position=1, body="<p>Text článku</p>",
                     is_preview=True, is_published=published)
    video = Lesson(course_id=course.id, section_id=section.id, kind="video", title="Video",
                   position=2, embed_url="https://www.youtube-nocookie.com/embed/abcdefgh",
                   captions_vtt=CAPTIONS, transcript="Dobrý den.", is_published=published)
    quiz = Lesson(course_id=course.id, section_id=section.id, kind="quiz", title="Test",
                  position=3, pass_mark=100, max_attempts=max_attempts, is_published=False)
    dbsession.add_all([article, video, quiz])
    dbsession.flush()
    single = Question(lesson_id=quiz.id, kind="single", text="Kolik je dva a dva?",
                      feedback="Správně jsou čtyři.", position=1)
    single.choices = [Choice(text="Tři"), Choice(text="Čtyři SECRET-RIGHT", is_correct=True)]
    short = Question(lesson_id=quiz.id, kind="short", text="Hlavní město ČR?",
                     accepted_answers="Praha", feedback="Praha.", position=2)
    dbsession.add_all([single, short])
    dbsession.flush()
    quiz.is_published = published
    dbsession.flush()
    return course, article, video, quiz


@pytest.fixture
def course(dbsession):
    return build_course(dbsession)


@pytest.fixture
def make_course(dbsession):
    """``make_course(slug=..., visibility=..., published=..., max_attempts=...)``."""
    return lambda **kw: build_course(dbsession, **kw)


def _lesson_url(course, lesson):
    return f"/elearning/courses/{course.slug}/lessons/{lesson.id}"


@pytest.fixture
def lesson_url():
    return _lesson_url


@pytest.fixture
def course_builder():
    """``build_course(dbsession, ...)`` for a session of one's own (committed apps)."""
    return build_course


@pytest.fixture
def topics(dbsession):
    """The core's demo topics, by slug."""
    import sqlalchemy as sa

    from hub.topics.demo import seed_topics
    from hub.topics.models import Topic

    seed_topics(dbsession)
    return {t.slug: t for t in dbsession.scalars(sa.select(Topic))}
