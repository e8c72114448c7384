"""Courses use the core's shared topics; "For you" suggests courses the user may take."""
import sqlalchemy as sa

from hub.db import utcnow
from hub.testing import html_text, make_user
from hub_elearning.models import Course, Enrolment


class _Request:
    def __init__(self, dbsession):
        self.dbsession = dbsession

    def route_path(self, name, **kw):
        return f"/elearning/courses/{kw['slug']}"


def _for_you(dbsession, user, topics):
    from hub_elearning.hooks import hub_for_you

    return sorted(s.title for s in hub_for_you(_Request(dbsession), user, topics))


def test_catalogue_filters_by_topic_slug_and_shows_names(elearning, make_course):
    make_course(slug="cukrovka", title="Cukrovka v praxi", topics=["diabetes"])
    make_course(slug="onko", title="Život s nádorem", topics=["oncology", "patient-rights"])
    page = elearning.get("/elearning")
    options = {o[0]: o[2] for o in page.forms["course-search"].fields["topic"][0].options}
    assert options["oncology"] == "Onkologie"
    text = html_text(elearning.get("/elearning?topic=oncology"))
    assert "Život s nádorem" in text and "Cukrovka v praxi" not in text
    assert "Onkologie, Práva pacientů" in text
    assert "Onkologie" in html_text(elearning.get("/elearning/courses/onko"))
    # search matches topic names too; the API shows slugs and filters by them
    assert "Život s nádorem" in html_text(elearning.get("/elearning?q=onkologie"))
    data = elearning.get("/api/v1/elearning/courses?topic=diabetes").json
    assert [(c["title"], c["topics"]) for c in data["items"]] == [
        ("Cukrovka v praxi", ["diabetes"])]


def test_staff_chooses_topics_from_the_core_list(elearning, users, dbsession, topics):
    elearning.login(users.staff)
    form = elearning.get("/elearning/manage/new").forms["course-form"]
    assert {"diabetes", "legislation"} <= {b._value for b in form.fields["topics"]}
    form["title"] = "Legislativa pro spolky"
    for box in form.fields["topics"]:
        if box._value in ("legislation", "patient-rights"):
            box.checked = True
    form.submit(status=303)
    course = dbsession.scalar(sa.select(Course).where(Course.title == "Legislativa pro spolky"))
    assert course.topic_slugs == ["patient-rights", "legislation"]
    edit = elearning.get(f"/elearning/manage/courses/{course.id}")
    assert {b._value for b in edit.forms["course-form"].fields["topics"] if b.checked} == {
        "legislation", "patient-rights"}


def test_unknown_topic_is_refused_and_nothing_is_written(elearning, users, dbsession, topics):
    elearning.login(users.staff)
    page = elearning.post_form("/elearning/manage/new", {
        "title": "Astrologie", "slug": "", "summary": "", "description": "",
        "topics": "astrology", "level": "beginner", "language": "cs",
        "duration_minutes": "5", "visibility": "public", "completion_rule": "all_lessons"},
        status=422)
    assert "Vyberte jednu z nabízených hodnot." in page.text or "Choose one" in page.text
    assert dbsession.scalar(sa.select(Course.id).where(Course.title == "Astrologie")) is None


def test_for_you_respects_the_four_visibility_levels(make_course, users, dbsession):
    for slug, visibility in (("verejny", "public"), ("prihlaseni", "signed_in"),
                             ("clenove", "members"), ("odkaz", "link")):
        make_course(slug=slug, title=f"Kurz {visibility}", visibility=visibility,
                    topics=["oncology"])
    make_course(slug="koncept", title="Kurz koncept", published=False, topics=["oncology"])
    make_course(slug="jiny", title="Kurz jiné téma", topics=["diabetes"])
    # a member of an organisation: everything listed except link-only and drafts
    assert _for_you(dbsession, users.member, ["oncology"]) == [
        "Kurz members", "Kurz public", "Kurz signed_in"]
    # no organisation: not the members' course
    solo = make_user(dbsession, "solo@test.example")
    assert _for_you(dbsession, solo, ["oncology"]) == ["Kurz public", "Kurz signed_in"]
    # staff may take members' courses
    assert "Kurz members" in _for_you(dbsession, users.staff, ["oncology"])
    assert _for_you(dbsession, users.member, []) == []


def test_for_you_leaves_out_completed_courses(make_course, users, dbsession):
    done, *_ = make_course(slug="hotovy", title="Hotový kurz", topics=["oncology"])
    make_course(slug="rozdelany", title="Rozdělaný kurz", topics=["oncology"])
    dbsession.add(Enrolment(user_id=users.member.id, course_id=done.id, completed_at=utcnow()))
    dbsession.flush()
    assert _for_you(dbsession, users.member, ["oncology"]) == ["Rozdělaný kurz"]


def test_my_hub_shows_course_suggestions(elearning, make_course, users, dbsession):
    from hub.topics.models import Topic, UserTopic

    make_course(slug="verejny", title="Veřejný onkokurz", topics=["oncology"])
    make_course(slug="koncept", title="Nezveřejněný onkokurz", published=False,
                topics=["oncology"])
    topic = dbsession.scalar(sa.select(Topic).where(Topic.slug == "oncology"))
    dbsession.add(UserTopic(user_id=users.member.id, topic_id=topic.id))
    dbsession.flush()
    elearning.login(users.member)
    text = html_text(elearning.get("/my"))
    assert "Veřejný onkokurz" in text and "Nezveřejněný onkokurz" not in text
