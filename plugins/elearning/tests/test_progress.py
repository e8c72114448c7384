"""Progress, "continue where I stopped", completion e-mail, certificates."""
import io

import sqlalchemy as sa
from pypdf import PdfReader

from hub.notifications.models import Notification
from hub_elearning.models import Certificate, Enrolment, LessonProgress


def _complete_everything(client, c, article, video, quiz, lesson_url):
    client.post_form(lesson_url(c, article) + "/complete", {})
    client.post_form(lesson_url(c, video) + "/complete", {})
    single, short = quiz.questions
    right = next(ch for ch in single.choices if ch.is_correct)
    client.post_form(lesson_url(c, quiz) + "/quiz",
                     {f"q{single.id}": str(right.id), f"q{short.id}": "Praha"})


def test_progress_is_saved_and_the_course_continues_where_the_learner_stopped(
        elearning, course, users, dbsession, lesson_url):
    c, article, video, quiz = course
    elearning.login(users.member)
    page = elearning.get(f"/elearning/courses/{c.slug}")
    assert "Začít kurz" in page.text
    response = elearning.post_form(lesson_url(c, article) + "/complete", {})
    assert response.status_int == 303 and response.location.endswith(lesson_url(c, video))
    page = elearning.get(f"/elearning/courses/{c.slug}")
    assert "Pokračovat, kde jste skončili" in page.text
    assert f'href="{lesson_url(c, video)}"' in page.text.split("Pokračovat, kde")[0][-300:]
    assert 'value="33"' in page.text
    # Completing twice is harmless.
    elearning.post_form(lesson_url(c, article) + "/complete", {})
    assert dbsession.scalar(sa.select(sa.func.count(LessonProgress.id))) == 1
    my = elearning.get("/elearning/my")
    assert c.title in my.text and "33 %" in my.text


def test_completing_the_course_issues_a_certificate_and_notifies(
        elearning, course, users, dbsession, lesson_url):
    c, article, video, quiz = course
    elearning.login(users.member)
    _complete_everything(elearning, c, article, video, quiz, lesson_url)
    enrolment = dbsession.scalars(sa.select(Enrolment)).one()
    assert enrolment.completed_at is not None
    certificate = dbsession.scalars(sa.select(Certificate)).one()
    assert certificate.learner_name == "Marie Členová"
    note = dbsession.scalars(sa.select(Notification).where(
        Notification.user_id == users.member.id,
        Notification.kind == "elearning.course_completed")).one()
    assert c.title in note.subject and certificate.code in note.body
    pdf = elearning.get(f"/elearning/certificates/{certificate.code}.pdf")
    assert pdf.content_type == "application/pdf" and pdf.body.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf.body))
    root = reader.trailer["/Root"]  # tagged (PDF/UA): marked, structure, language, title shown
    assert bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root
    assert str(root["/Lang"]) == "cs" and reader.metadata.title == "Osvědčení o absolvování"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    text = reader.pages[0].extract_text()  # a Unicode font: "Členová" keeps its diacritics
    assert "Marie Členová" in text and certificate.code in text
    page = elearning.get("/elearning/verify", {"code": certificate.code.lower()})
    assert "Osvědčení je platné" in page.text and "Marie Členová" in page.text


def test_certificates_belong_to_their_owner(elearning, course, users, dbsession, lesson_url):
    c, article, video, quiz = course
    elearning.login(users.member)
    _complete_everything(elearning, c, article, video, quiz, lesson_url)
    code = dbsession.scalars(sa.select(Certificate.code)).one()
    elearning.login(users.representative)
    elearning.get(f"/elearning/certificates/{code}.pdf", status=404)
    elearning.reset()  # HubTestApp.logout() leaves the cookie in WebTest's jar
    elearning.get(f"/elearning/certificates/{code}.pdf", status=(302, 303, 403))
    # The public verification page needs no account.
    assert elearning.get("/elearning/verify", {"code": code}).status_int == 200
    elearning.get("/elearning/verify", {"code": "XXXX-XXXX-XXXX"}, status=404)


def test_anonymous_visitors_cannot_record_progress(elearning, course, lesson_url):
    c, article, video, quiz = course
    page = elearning.get(lesson_url(c, article))
    assert "complete-form" not in page.text
    elearning.post_form(lesson_url(c, article) + "/complete", {}, status=(302, 303, 403))


def test_progress_of_a_restricted_lesson_cannot_be_recorded(
        elearning, make_course, dbsession, lesson_url):
    from hub.testing import make_user

    c, article, video, quiz = make_course(slug="jen-clenove", visibility="members")
    elearning.login(make_user(dbsession, "nobody@test.example"))
    elearning.post_form(lesson_url(c, video) + "/complete", {}, status=404)
    assert dbsession.scalar(sa.select(sa.func.count(LessonProgress.id))) == 0


def test_certificates_keep_the_course_title_in_english_for_english_readers(
        elearning, course, users, dbsession, lesson_url):
    c, article, video, quiz = course
    c.title_en = "Course for patients"
    dbsession.flush()
    elearning.login(users.member)
    _complete_everything(elearning, c, article, video, quiz, lesson_url)
    certificate = dbsession.scalars(sa.select(Certificate)).one()
    czech_title = c.title
    c.title, c.title_en = "Přejmenovaný kurz", "Renamed course"  # issued is issued
    dbsession.flush()
    elearning.set_cookie("hub_lang", "en")
    pdf = elearning.get(f"/elearning/certificates/{certificate.code}.pdf")
    reader = PdfReader(io.BytesIO(pdf.body))
    text = reader.pages[0].extract_text()
    assert "Course for patients" in text and czech_title not in text
    assert str(reader.trailer["/Root"]["/Lang"]) == "en"
    verified = elearning.get("/elearning/verify", {"code": certificate.code})
    title = verified.html.find("dd", string="Course for patients")
    assert title is not None and title.get("lang") is None
    certificate.course_title_en = ""  # issued before the course had an English title
    dbsession.flush()
    verified = elearning.get("/elearning/verify", {"code": certificate.code})
    assert verified.html.find("dd", string=czech_title).get("lang") == "cs"
    elearning.set_cookie("hub_lang", "cs")
    text = PdfReader(io.BytesIO(elearning.get(
        f"/elearning/certificates/{certificate.code}.pdf").body)).pages[0].extract_text()
    assert czech_title in text
