"""Who may see which course and lesson (direct URLs included)."""
import pytest

from hub.testing import make_user


def test_catalogue_lists_public_courses_but_not_link_only_or_unpublished(elearning, make_course):
    make_course(slug="verejny", title="Veřejný kurz")
    make_course(slug="odkazem", title="Kurz odkazem", visibility="link")
    make_course(slug="koncept", title="Koncept kurzu", published=False)
    page = elearning.get("/elearning")
    assert "Veřejný kurz" in page.text
    assert "Kurz odkazem" not in page.text
    assert "Koncept kurzu" not in page.text


def test_catalogue_search_and_filters(elearning, make_course):
    make_course(slug="a", title="Jak vést spolek")
    make_course(slug="b", title="Legislativa")
    page = elearning.get("/elearning", {"q": "spolek"})
    assert "Jak vést spolek" in page.text and "Legislativa" not in page.text
    page = elearning.get("/elearning", {"level": "advanced"})
    assert "Jak vést spolek" not in page.text


def test_public_course_is_open_to_anonymous_visitors(elearning, course, lesson_url):
    c, article, video, quiz = course
    assert elearning.get(f"/elearning/courses/{c.slug}").status_int == 200
    page = elearning.get(lesson_url(c, video))
    assert "Dobrý den." in page.text  # transcript


def test_signed_in_course_offers_previews_only_to_anonymous(
        elearning, users, make_course, lesson_url):
    c, article, video, quiz = make_course(slug="prihlaseni", visibility="signed_in")
    assert elearning.get(lesson_url(c, article)).status_int == 200  # preview
    page = elearning.get(lesson_url(c, video), status=403)
    assert "/login?next=" in page.text and "Dobrý den." not in page.text
    elearning.login(users.member)
    assert elearning.get(lesson_url(c, video)).status_int == 200


def test_members_course_needs_membership_of_an_organisation(
        elearning, dbsession, users, make_course, lesson_url):
    c, article, video, quiz = make_course(slug="clenove", visibility="members")
    outsider = make_user(dbsession, "outsider@test.example")
    elearning.login(outsider)
    assert elearning.get(lesson_url(c, article)).status_int == 200  # preview
    page = elearning.get(lesson_url(c, video), status=403)
    assert "Text článku" not in page.text
    elearning.login(users.member)
    assert elearning.get(lesson_url(c, video)).status_int == 200


def test_link_course_needs_its_secret_key(elearning, make_course, lesson_url):
    c, article, video, quiz = make_course(slug="tajny", visibility="link")
    elearning.get(f"/elearning/courses/{c.slug}", status=404)
    elearning.get(f"/elearning/courses/{c.slug}", {"key": "wrong"}, status=404)
    elearning.get(lesson_url(c, article), status=404)
    elearning.get(f"/elearning/courses/{c.slug}/lessons/{video.id}/captions.vtt", status=404)
    page = elearning.get(f"/elearning/courses/{c.slug}", {"key": c.link_token})
    # Links inside the course keep the key.
    assert f"key={c.link_token}" in page.text
    assert elearning.get(lesson_url(c, video), {"key": c.link_token}).status_int == 200


@pytest.mark.parametrize("who", [None, "member", "representative"])
def test_unpublished_course_and_lessons_are_not_found(
        elearning, users, who, make_course, lesson_url):
    c, article, video, quiz = make_course(slug="skryty", published=False)
    if who:
        elearning.login(users[who])
    elearning.get(f"/elearning/courses/{c.slug}", status=404)
    for lesson in (article, video, quiz):
        elearning.get(lesson_url(c, lesson), status=404)
        elearning.get(f"/elearning/courses/{c.slug}/lessons/{lesson.id}/file", status=404)


def test_unpublished_lesson_of_a_published_course_is_not_found(
        elearning, course, dbsession, lesson_url):
    c, article, video, quiz = course
    video.is_published = False
    dbsession.flush()
    elearning.get(lesson_url(c, video), status=404)
    assert "Video" not in elearning.get(f"/elearning/courses/{c.slug}").text.split("Osnova")[1]


def test_lesson_of_another_course_under_a_wrong_slug_is_not_found(elearning, make_course):
    hidden = make_course(slug="skryty2", published=False)
    shown = make_course(slug="verejny2")
    elearning.get(f"/elearning/courses/{shown[0].slug}/lessons/{hidden[2].id}", status=404)


def test_staff_previews_unpublished_courses(elearning, users, make_course, lesson_url):
    c, article, video, quiz = make_course(slug="navrh", published=False)
    elearning.login(users.staff)
    page = elearning.get(f"/elearning/courses/{c.slug}")
    assert "není zveřejněn" in page.text
    assert elearning.get(lesson_url(c, quiz)).status_int == 200


def test_video_lesson_has_captions_track_or_embed_and_transcript(
        elearning, course, dbsession, lesson_url):
    c, article, video, quiz = course
    video.embed_url = ""
    video.video_url = "https://media.example.org/video.mp4"
    dbsession.flush()
    page = elearning.get(lesson_url(c, video))
    # A video of another site is a link, not a player fetched before anybody asks for it.
    assert 'src="https://media.example.org' not in page.text
    assert 'href="https://media.example.org/video.mp4"' in page.text
    assert "captions.vtt" in page.text and "autoplay" not in page.text
    vtt = elearning.get(f"/elearning/courses/{c.slug}/lessons/{video.id}/captions.vtt")
    assert vtt.content_type == "text/vtt" and vtt.text.startswith("WEBVTT")


def test_course_and_catalogue_pages_need_no_query_per_lesson_or_course(
        elearning, make_course, users, dbsession, connection, lesson_url):
    import sqlalchemy as sa

    from hub_elearning.models import Lesson

    def queries(url):
        statements = []

        def count(*args):
            statements.append(args)

        sa.event.listen(connection, "before_cursor_execute", count)
        try:
            elearning.get(url)
        finally:
            sa.event.remove(connection, "before_cursor_execute", count)
        return len(statements)

    elearning.login(users.member)
    make_course(slug="maly", visibility="members")
    big, article, video, quiz = make_course(slug="velky", visibility="members")
    for n in range(15):
        dbsession.add(Lesson(course_id=big.id, section_id=article.section_id, kind="article",
                             title=f"Lekce {n}", position=10 + n, body="<p>x</p>",
                             is_published=True))
    dbsession.flush()
    queries("/elearning/courses/maly")  # menus and other shared blocks are kept from here on
    assert queries("/elearning/courses/velky") == queries("/elearning/courses/maly")
    queries("/elearning")  # what the core keeps for the page is read once
    before = queries("/elearning")
    for n in range(5):
        make_course(slug=f"dalsi-{n}")
    assert queries("/elearning") == before


def test_course_pages_describe_themselves_for_sharing_except_link_only_ones(elearning,
                                                                           make_course):
    make_course(slug="sdileny", title="Sdílený kurz")
    secret = make_course(slug="tajny", title="Kurz odkazem", visibility="link")[0]
    page = elearning.get("/elearning/courses/sdileny")
    assert '<meta property="og:title" content="Sdílený kurz">' in page.text
    page = elearning.get("/elearning/courses/tajny", {"key": secret.link_token})
    assert "Kurz odkazem" in page.text and "og:title" not in page.text
