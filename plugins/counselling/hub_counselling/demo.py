"""Demo data: a counsellor, reply templates and questions in Czech and English.

The demo staff account is appointed counsellor; the cases are in every state, with
threads, internal notes and the askers' consents in the ledger (written as the form
writes them, with no acknowledgement mailed). Idempotent: cases are looked up by reply
address and subject, templates by title. The benchmark scales add nothing: counselling
is not part of the benchmark's sizes.
"""
from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa

from hub import consent
from hub.accounts.models import User
from hub.db import utcnow
from hub.jobs import background_request
from hub_counselling import services
from hub_counselling.hooks import CASE_CONSENT
from hub_counselling.models import Case, Counsellor, Message, ReplyTemplate

COUNSELLOR = "staff@example.org"
ADMIN = "admin@example.org"

TEMPLATES = (
    ("cs", "Poděkování a dotaz na podrobnosti",
     "Dobrý den,\n\nděkujeme za Váš dotaz. Abychom Vám mohli odpovědět co nejpřesněji, "
     "potřebujeme vědět ještě několik podrobností: …\n\nS pozdravem\nporadna Pacientského "
     "hubu"),
    ("cs", "Stížnost u zdravotní pojišťovny",
     "Dobrý den,\n\npokud Vám zdravotní pojišťovna nezajistí péči v dostupné vzdálenosti "
     "a čase, máte právo se na ni obrátit se žádostí o zajištění péče (§ 46 zákona "
     "č. 48/1997 Sb.). Pojišťovna Vám musí najít poskytovatele. Pokud nepomůže, můžete "
     "podat stížnost ke Ministerstvu zdravotnictví.\n\nS pozdravem\nporadna Pacientského "
     "hubu"),
    ("en", "Thank you, we need more details",
     "Hello,\n\nthank you for your question. To answer it as precisely as we can, we need "
     "a few more details: …\n\nKind regards,\nthe Patient Hub counselling service"),
    ("en", "Asking the health insurer to arrange care",
     "Hello,\n\nif your health insurer does not arrange care within a reasonable distance "
     "and time, you may ask it to find you a provider (section 46 of Act No. 48/1997). If "
     "that does not help, you can complain to the Ministry of Health.\n\nKind regards,\n"
     "the Patient Hub counselling service"),
)

# (reply address, account of the asker or None, name, language, category, final state,
#  days ago, subject, thread: (direction, days ago, text) with "note" for internal notes)
CASES = (
    ("marie.dvorakova@demo.example.cz", None, "Marie Dvořáková", "cs", "patients_rights",
     "answered", 20, "Nahlížení do zdravotnické dokumentace otce",
     (("in", 20, "Dobrý den, můj otec zemřel v nemocnici a rádi bychom nahlédli do jeho "
                 "dokumentace. Nemocnice nám to odmítá. Máme na to právo?"),
      ("note", 18, "Zkontrolovat, zda otec za života nahlížení nezakázal."),
      ("out", 16, "Dobrý den, osoby blízké zemřelého pacienta mají právo nahlížet do jeho "
                  "dokumentace, pokud to pacient za života nezakázal (§ 65 zákona "
                  "o zdravotních službách). Požádejte nemocnici písemně; musí Vám vyhovět "
                  "bez zbytečného odkladu, nejpozději do 30 dnů."))),
    ("jan.kral@demo.example.cz", None, "", "cs", "access_to_care", "open", 6,
     "Objednací lhůta na magnetickou rezonanci",
     (("in", 6, "Na vyšetření magnetickou rezonancí mě objednali až za pět měsíců. Lékař "
                "říká, že by to mělo být do měsíce. Co mohu dělat?"),
      ("note", 4, "Použít šablonu o žádosti u pojišťovny; doplnit kontakty na revizní "
                  "oddělení."))),
    ("predsedkyne@demo.example.cz", None, "Hana Marešová", "cs", "organisation", "waiting", 12,
     "Založení spolku pro rodiče dětí s cystickou fibrózou",
     (("in", 12, "Chceme s dalšími rodiči založit spolek. Co k tomu potřebujeme a kolik to "
                 "stojí?"),
      ("out", 9, "Dobrý den, ke vzniku spolku stačí tři zakladatelé, stanovy a zápis do "
                 "spolkového rejstříku u krajského soudu (bez soudního poplatku). Napíšete "
                 "nám, zda už máte návrh stanov? Rádi ho projdeme."))),
    ("guest@example.org", "guest@example.org", "Emily Walker", "en", "access_to_care", "new", 1,
     "Registering with a GP as a foreign resident",
     (("in", 1, "I moved to Brno for work and have Czech public health insurance. Two GPs "
                "told me they are not taking new patients. How do I find one?"),)),
    ("spolek.onko@demo.example.cz", None, "Onko Pomoc, z. s.", "cs", "grants", "closed", 60,
     "Dotace ministerstva na provoz poradny",
     (("in", 60, "Lze z dotačního programu ministerstva hradit mzdu sociální pracovnice "
                 "naší poradny?"),
      ("out", 55, "Dobrý den, ano: osobní náklady jsou v programu uznatelné, pokud je "
                  "pracovnice vedena v rozpočtu projektu. Podrobnosti najdete ve výzvě "
                  "v části Uznatelné náklady."),
      ("in", 54, "Děkujeme, to nám stačí."))),
    ("d.novak@demo.example.cz", None, "David Novák", "en", "patients_rights", "answered", 15,
     "A second opinion before surgery",
     (("in", 15, "My surgeon recommends a hip replacement. May I ask another hospital for "
                 "a second opinion, and will my insurer pay for it?"),
      ("out", 11, "Hello, yes: every patient may ask for a second opinion from another "
                  "provider, and it is covered by public health insurance. Ask your surgeon "
                  "for a copy of your records to take with you."))),
)


def demo_data(dbsession, registry) -> None:
    request = background_request(registry)
    request.dbsession = dbsession
    users = {u.email: u for u in dbsession.scalars(
        sa.select(User).where(User.email.in_((COUNSELLOR, ADMIN, "guest@example.org"))))}
    counsellor, admin = users.get(COUNSELLOR), users.get(ADMIN)
    if counsellor is not None and dbsession.get(Counsellor, counsellor.id) is None:
        dbsession.add(Counsellor(user_id=counsellor.id,
                                 granted_by_id=admin.id if admin is not None else None))
    titles = set(dbsession.scalars(sa.select(ReplyTemplate.title)))
    for language, title, body in TEMPLATES:
        if title not in titles:
            dbsession.add(ReplyTemplate(language=language, title=title, body=body))
    now = utcnow()
    days = services.reply_days(request)
    for email, account, name, language, category, status, age, subject, thread in CASES:
        if dbsession.scalar(sa.select(Case.id).where(Case.email == email,
                                                     Case.subject == subject)) is not None:
            continue
        created = now - dt.timedelta(days=age)
        user = users.get(account) if account else None
        case = Case(reference=services.next_reference(dbsession, created.year), status=status,
                    category=category, subject=subject, email=email, name=name,
                    user_id=user.id if user is not None else None, language=language,
                    access_key=secrets.token_urlsafe(32), created_at=created,
                    due_at=created + dt.timedelta(days=days),
                    assignee_id=counsellor.id if counsellor is not None and status != "new"
                    else None)
        for direction, ago, text in thread:
            at = now - dt.timedelta(days=ago)
            author = user if direction == "in" else counsellor
            case.messages.append(Message(
                direction=direction, channel="form" if direction == "in" else "staff",
                body=text, created_at=at, author_id=author.id if author is not None else None))
            if direction == "out" and case.first_reply_at is None:
                case.first_reply_at = at
        if status == "closed":
            case.closed_at = now - dt.timedelta(days=thread[-1][1] - 1)
        dbsession.add(case)
        dbsession.flush()
        consent.give(request, services.subject_of(case), services.PURPOSE,
                     CASE_CONSENT.text_version, "form", object=services.object_of(case),
                     at=created)
    dbsession.flush()
