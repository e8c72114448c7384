"""Demo courses (idempotent: courses are found by their slug); ``scale`` adds more."""
from __future__ import annotations

import sqlalchemy as sa

from hub_elearning.models import Choice, Course, Lesson, Question, Section
from hub_elearning.services import new_token

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
        "topic": "Řízení organizace", "level": "beginner", "duration": 90,
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
        "topic": "Legislativa", "level": "intermediate", "duration": 60,
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
        "topic": "Práva pacientů", "level": "beginner", "duration": 45,
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
                    description=spec["description"], topic=spec["topic"], level=spec["level"],
                    language="cs", duration_minutes=spec["duration"],
                    visibility=spec["visibility"], link_token=new_token(), is_published=True)
    dbsession.add(course)
    dbsession.flush()
    for s_pos, (title, lessons) in enumerate(spec["sections"], start=1):
        section = Section(title=title, position=s_pos)
        course.sections.append(section)
        for l_pos, (kind, l_title, preview, body) in enumerate(lessons, start=1):
            lesson = Lesson(kind=kind, title=l_title, position=l_pos, is_preview=preview,
                            body=body, course_id=course.id, duration_minutes=10,
                            pass_mark=50, max_attempts=3)
            if kind == "video":
                # A placeholder address (example.org): demo data ships no real recording.
                lesson.video_url = "https://media.example.org/demo/role-ve-vyboru.mp4"
                lesson.captions_vtt = CAPTIONS
                lesson.transcript = TRANSCRIPT
            if kind == "quiz":
                _add_quiz(lesson)
            section.lessons.append(lesson)
        dbsession.flush()
        for lesson in section.lessons:
            lesson.is_published = True
    dbsession.flush()


def create_demo_data(dbsession, scale: int = 1) -> None:
    specs = list(COURSES)
    for n in range(1, max(0, int(scale) - 1) * 10 + 1):
        base = COURSES[n % len(COURSES)]
        specs.append({**base, "slug": f"{base['slug']}-{n}",
                      "title": f"{base['title']} ({n}. běh)", "visibility": "public"})
    existing = set(dbsession.scalars(sa.select(Course.slug).where(
        Course.slug.in_([s["slug"] for s in specs]))))
    for spec in specs:
        if spec["slug"] not in existing:
            _create(dbsession, spec)
