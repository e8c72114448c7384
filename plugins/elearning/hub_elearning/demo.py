"""Demo courses (idempotent: courses are found by their slug); ``scale`` adds more."""
from __future__ import annotations

import sqlalchemy as sa

from hub.db import utcnow
from hub.topics.demo import seed_topics
from hub.topics.models import Topic
from hub_elearning.models import Choice, Course, Lesson, Question, Section, course_topic
from hub_elearning.services import new_token, sync_duration

# Generated benchmark courses cycle through these topics of the core's demo taxonomy.
BENCH_TOPICS = ("diabetes", "rare-diseases", "oncology", "mental-health", "patient-rights",
                "legislation", "digital-health")
LESSONS_PER_COURSE = 20
LESSON_BODY_EN = (
    "<h2>{title}</h2>"
    "<p>This lesson sums up what patients, their families and patient organisations need "
    "to know. It is written in plain language and points to further sources.</p>"
    "<ul><li>what the Health Services Act says</li><li>how to prepare for a visit to the "
    "doctor</li><li>where to find support from patient organisations</li></ul>"
    "<p>At the end of the lesson you will find a summary and links to related courses.</p>")
LESSON_BODY = (
    "<h2>{title}</h2>"
    "<p>Tato lekce shrnuje, co potřebuje vědět pacient, jeho blízcí i pacientská "
    "organizace. Text je psaný srozumitelně a odkazuje na další zdroje.</p>"
    "<ul><li>co říká zákon o zdravotních službách</li><li>jak se připravit na návštěvu "
    "lékaře</li><li>kde hledat podporu pacientských organizací</li></ul>"
    "<p>Na konci lekce najdete shrnutí a odkazy na související kurzy.</p>")

CAPTIONS = """WEBVTT

00:00:00.000 --> 00:00:05.000
Vítejte v kurzu pro pacientské organizace.

00:00:05.000 --> 00:00:12.000
V tomto videu si ukážeme, jak si rozdělit role ve výboru spolku.
"""

TRANSCRIPT = ("Vítejte v kurzu pro pacientské organizace.\n\n"
              "V tomto videu si ukážeme, jak si rozdělit role ve výboru spolku: kdo vede "
              "účetnictví, kdo komunikuje s členy a kdo jedná s úřady a zdravotními "
              "pojišťovnami.")

COURSES = [
    {
        "slug": "jak-vest-pacientskou-organizaci",
        "title": "Jak vést pacientskou organizaci",
        "summary": "Založení spolku, stanovy, výbor, hospodaření a práce s dobrovolníky.",
        "description": "<p>Praktický kurz pro nové i zkušené předsedy a členy výborů "
                       "pacientských organizací.</p>",
        "topics": ("fundraising", "volunteering"), "level": "beginner", "duration": 90,
        "visibility": "public",
        "sections": [
            ("Založení a stanovy", [
                ("article", "Spolek podle občanského zákoníku", True,
                 "<p>Pacientské organizace mají nejčastěji formu <strong>spolku</strong>. "
                 "Ke vzniku stačí tři zakladatelé a stanovy.</p>"
                 "<ul><li>název a sídlo</li><li>účel spolku</li><li>orgány spolku</li></ul>"),
                ("video", "Role ve výboru", False, ""),
            ]),
            ("Hospodaření", [
                ("article", "Účetnictví a daňové přiznání", False,
                 "<p>Spolek vede podvojné účetnictví, zjednodušený rozsah stačí, pokud "
                 "příjmy nepřesáhnou 3 miliony Kč.</p>"),
                ("quiz", "Ověřte si znalosti", False, ""),
            ]),
        ],
    },
    {
        "slug": "pripominkovani-legislativy",
        "title": "Připomínkování legislativy",
        "summary": "Jak se pacientská organizace zapojí do meziresortního připomínkového "
                   "řízení a co obnáší zásadní připomínka.",
        "description": "<p>Kurz provede legislativním procesem od věcného záměru po "
                       "projednání ve vládě.</p>",
        "topics": ("legislation", "patient-rights"), "level": "intermediate", "duration": 60,
        "visibility": "signed_in",
        "sections": [
            ("Legislativní proces", [
                ("article", "Od věcného záměru k zákonu", True,
                 "<p>Návrhy zákonů prochází <em>meziresortním připomínkovým řízením</em>, "
                 "do kterého se mohou zapojit i pacientské organizace.</p>"),
                ("article", "Jak napsat zásadní připomínku", False,
                 "<p>Zásadní připomínka musí být odůvodněná a obsahovat konkrétní návrh "
                 "znění.</p>"),
            ]),
        ],
    },
    {
        "slug": "prava-pacientu-pro-cleny",
        "title": "Práva pacientů v praxi",
        "summary": "Kurz pro členy pacientských organizací: nahlížení do dokumentace, "
                   "informovaný souhlas, stížnosti.",
        "description": "<p>Určeno členům organizací sdružených v hubu.</p>",
        "topics": ("patient-rights",), "level": "beginner", "duration": 45,
        "visibility": "members",
        "sections": [
            ("Základy", [
                ("article", "Zákon o zdravotních službách", True,
                 "<p>Pacient má právo na informace o svém zdravotním stavu a na nahlížení "
                 "do zdravotnické dokumentace.</p>"),
            ]),
        ],
    },
]


# English versions of the demo texts, by the Czech text. The first course is left without
# them: the staff page of missing translations has something to show, and the browser
# journeys take that course by its Czech texts in either language.
ENGLISH = {
    "Připomínkování legislativy": "Commenting on legislation",
    "Jak se pacientská organizace zapojí do meziresortního připomínkového řízení a co obnáší "
    "zásadní připomínka.":
        "How a patient organisation takes part in the interministerial comment procedure "
        "and what a fundamental comment involves.",
    "<p>Kurz provede legislativním procesem od věcného záměru po projednání ve vládě.</p>":
        "<p>The course guides you through the legislative process, from the policy intent "
        "to the government's discussion.</p>",
    "Legislativní proces": "The legislative process",
    "Od věcného záměru k zákonu": "From the policy intent to an act",
    "Jak napsat zásadní připomínku": "How to write a fundamental comment",
    "Práva pacientů v praxi": "Patients' rights in practice",
    "Kurz pro členy pacientských organizací: nahlížení do dokumentace, informovaný souhlas, "
    "stížnosti.":
        "A course for members of patient organisations: access to medical records, "
        "informed consent, complaints.",
    "<p>Určeno členům organizací sdružených v hubu.</p>":
        "<p>For members of the organisations in the hub.</p>",
    "Základy": "The basics",
    "Zákon o zdravotních službách": "The Health Services Act",
}
ENGLISH_BODIES = {
    "Od věcného záměru k zákonu":
        "<p>Draft acts go through the <em>interministerial comment procedure</em>, in which "
        "patient organisations can take part too.</p>",
    "Jak napsat zásadní připomínku":
        "<p>A fundamental comment must give its reasons and propose a specific "
        "wording.</p>",
    "Zákon o zdravotních službách":
        "<p>Patients have the right to information about their health and to see their "
        "medical records.</p>",
}


def _add_quiz(lesson: Lesson) -> None:
    question = Question(kind="single", position=1, text="Kolik zakladatelů potřebuje spolek?",
                        feedback="Ke vzniku spolku stačí tři zakladatelé.")
    question.choices = [Choice(text="Jeden"), Choice(text="Tři", is_correct=True),
                        Choice(text="Deset")]
    short = Question(kind="short", position=2, text="Jak se jmenuje nejvyšší orgán spolku?",
                     accepted_answers="členská schůze\nčlenská schůze spolku",
                     feedback="Nejvyšším orgánem je členská schůze.")
    lesson.questions = [question, short]


def _create(dbsession, spec: dict) -> None:
    course = Course(slug=spec["slug"], title=spec["title"], summary=spec["summary"],
                    description=spec["description"], level=spec["level"],
                    title_en=ENGLISH.get(spec["title"], ""),
                    summary_en=ENGLISH.get(spec["summary"], ""),
                    description_en=ENGLISH.get(spec["description"], ""),
                    language="cs",
                    visibility=spec["visibility"], link_token=new_token(), is_published=True)
    course.topics = list(dbsession.scalars(
        sa.select(Topic).where(Topic.slug.in_(spec["topics"])).order_by(Topic.position)))
    dbsession.add(course)
    dbsession.flush()
    # The spec's duration is shared out among the lessons; the course's is their sum.
    per_lesson = max(5, spec["duration"] // sum(len(lessons) for _t, lessons in spec["sections"]))
    for s_pos, (title, lessons) in enumerate(spec["sections"], start=1):
        section = Section(title=title, title_en=ENGLISH.get(title, ""), position=s_pos)
        course.sections.append(section)
        for l_pos, (kind, l_title, preview, body) in enumerate(lessons, start=1):
            lesson = Lesson(kind=kind, title=l_title, position=l_pos, is_preview=preview,
                            body=body, course_id=course.id, duration_minutes=per_lesson,
                            title_en=ENGLISH.get(l_title, ""),
                            body_en=ENGLISH_BODIES.get(l_title, ""),
                            pass_mark=50, max_attempts=3)
            if kind == "video":
                # No video address: demo data links no recording that does not exist or
                # shows something else; the lesson is its captions and transcript.
                lesson.captions_vtt = CAPTIONS
                lesson.transcript = TRANSCRIPT
            if kind == "quiz":
                _add_quiz(lesson)
            section.lessons.append(lesson)
        dbsession.flush()
        for lesson in section.lessons:
            lesson.is_published = True
    sync_duration(course)
    dbsession.flush()


def create_demo_data(dbsession, scale: int = 1) -> None:
    seed_topics(dbsession)
    existing = set(dbsession.scalars(sa.select(Course.slug).where(
        Course.slug.in_([s["slug"] for s in COURSES]))))
    for spec in COURSES:
        if spec["slug"] not in existing:
            _create(dbsession, spec)
    if int(scale) > 1:
        add_benchmark_courses(dbsession, int(scale), LESSONS_PER_COURSE)


def add_benchmark_courses(dbsession, count: int, lessons_per_course: int) -> None:
    """``count`` public courses of two sections with ``lessons_per_course`` article lessons
    in all (the benchmark's catalogue and lesson pages), written with bulk inserts;
    idempotent by slug."""
    slugs = [f"kurz-pro-pacienty-{n}" for n in range(1, count + 1)]
    existing = set(dbsession.scalars(sa.select(Course.slug).where(
        Course.slug.like("kurz-pro-pacienty-%"))))
    new = [(n, slug) for n, slug in enumerate(slugs, start=1) if slug not in existing]
    if not new:
        return
    now = utcnow()
    dbsession.execute(sa.insert(Course), [
        {"slug": slug, "title": f"Kurz pro pacienty {n}",
         "summary": "Otevřený kurz: práva pacientů, komunikace s lékařem a péče o sebe.",
         "description": "<p>Kurz pro pacienty, jejich blízké a pacientské organizace.</p>",
         "title_en": f"Course for patients {n}",
         "summary_en": "An open course: patients' rights, talking to your doctor and "
                       "looking after yourself.",
         "description_en": "<p>A course for patients, their families and patient "
                           "organisations.</p>",
         "level": "beginner", "language": "cs", "duration_minutes": 10 * lessons_per_course,
         "visibility": "public", "link_token": new_token(), "completion_rule": "all_lessons",
         "is_published": True, "created_at": now, "updated_at": now} for n, slug in new])
    course_ids = dict(dbsession.execute(sa.select(Course.slug, Course.id).where(
        Course.slug.in_([slug for _n, slug in new]))).all())
    topic_ids = dict(dbsession.execute(sa.select(Topic.slug, Topic.id)).all())
    links = [{"course_id": course_ids[slug], "topic_id": topic_ids[BENCH_TOPICS[n % 7]]}
             for n, slug in new if BENCH_TOPICS[n % 7] in topic_ids]
    if links:
        dbsession.execute(course_topic.insert(), links)
    halves = (lessons_per_course - lessons_per_course // 2, lessons_per_course // 2)
    dbsession.execute(sa.insert(Section), [
        {"course_id": course_ids[slug], "title": title, "title_en": title_en,
         "position": position}
        for _n, slug in new
        for position, title, title_en in ((1, "Základy", "The basics"),
                                           (2, "V praxi", "In practice"))])
    sections = dbsession.execute(sa.select(Section.id, Section.course_id, Section.position)
                                 .where(Section.course_id.in_(list(course_ids.values())))).all()
    rows = []
    for section_id, course_id, position in sections:
        for i in range(1, halves[position - 1] + 1):
            number = i + (halves[0] if position == 2 else 0)
            title, title_en = f"Lekce {number}", f"Lesson {number}"
            rows.append({"course_id": course_id, "section_id": section_id, "kind": "article",
                         "title": title, "position": i, "is_published": True,
                         "is_preview": number == 1, "duration_minutes": 10,
                         "body": LESSON_BODY.format(title=title), "title_en": title_en,
                         "body_en": LESSON_BODY_EN.format(title=title_en)})
    for start in range(0, len(rows), 5000):
        dbsession.execute(sa.insert(Lesson), rows[start:start + 5000])
    dbsession.flush()
