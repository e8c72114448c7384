"""Demo content: articles about the hub's work, an announcement and the footer pages."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from babel.dates import format_date

from hub.db import utcnow
from hub.topics.demo import seed_topics
from hub.topics.models import Topic
from hub_news.models import Article, ArticleRevision, Banner, Page
from hub_news.revisions import texts
from hub_news.services import PRAGUE

ARTICLES = (
    # (days from now, title cs, title en, perex cs, perex en, body cs, body en, topics)
    (-2, "Hub otevírá poradnu pro pacientské organizace",
     "The hub opens an advice service for patient organisations",
     "Každé úterý a čtvrtek poradí odborníci ministerstva s projekty, granty i legislativou.",
     "Every Tuesday and Thursday ministry experts advise on projects, grants and legislation.",
     "<p>Poradna je otevřená všem registrovaným organizacím. Termín si rezervujte "
     "v <a href=\"/booking\">rezervaci místností</a>.</p><h2>Co připravit</h2>"
     "<ul><li>stručný popis projektu,</li><li>rozpočet,</li><li>otázky předem.</li></ul>",
     "<p>The service is open to every registered organisation. Book a slot in "
     "<a href=\"/booking\">room booking</a>.</p><h2>What to prepare</h2>"
     "<ul><li>a short description of the project,</li><li>a budget,</li>"
     "<li>questions in advance.</li></ul>",
     ("fundraising", "legislation")),
    (-9, "Nová vyhláška o právech pacientů: co se mění", "New decree on patient rights",
     "Od ledna mají pacienti právo na srozumitelné informace o čekacích dobách.",
     "From January patients have a right to clear information about waiting times.",
     "<p>Vyhláška upřesňuje, jak poskytovatelé informují o čekacích dobách "
     "a jak si pacient může stěžovat.</p>",
     "<p>The decree sets out how providers inform about waiting times and how a patient "
     "can complain.</p>", ("patient-rights", "legislation")),
    (-16, "Den vzácných onemocnění 2026", "Rare Disease Day 2026",
     "Připojte se k osvětové kampani 28. února: přehled akcí po celé republice.",
     "Join the awareness campaign on 28 February: events across the country.",
     "<p>Pacientské organizace chystají přednášky, výstavy a dny otevřených dveří.</p>",
     "<p>Patient organisations prepare lectures, exhibitions and open days.</p>",
     ("rare-diseases",)),
    # Left without English on purpose: staff find it at /admin/translations.
    (-23, "Setkání zástupců pacientských organizací v Brně", "",
     "Zástupci organizací z Jihomoravského kraje se sejdou v krajské nemocnici.", "",
     "<p>Program setkání a přihlášku najdete v kalendáři akcí.</p>", "",
     ("patient-rights",)),
    (-30, "Digitální recepty a aplikace pro diabetiky", "E-prescriptions and apps for diabetes",
     "Jak bezpečně vybrat aplikaci pro sledování glykémie a co říká legislativa.",
     "How to choose a safe glucose-tracking app and what the law says.",
     "<p>Doporučujeme aplikace s certifikací zdravotnického prostředku.</p>",
     "<p>We recommend apps certified as medical devices.</p>",
     ("diabetes", "digital-health")),
    (-45, "Dobrovolníci v onkologii: výzva pro rok 2026", "Volunteers in oncology: call for 2026",
     "Nemocnice hledají dobrovolníky pro doprovod pacientů při léčbě.",
     "Hospitals look for volunteers to accompany patients during treatment.",
     "<p>Zájemci projdou krátkým školením v e-learningu hubu.</p>",
     "<p>Volunteers take a short course in the hub's e-learning.</p>",
     ("oncology", "volunteering")),
    (5, "Konference o duševním zdraví (připravujeme)", "Mental health conference (upcoming)",
     "Program konference zveřejníme příští týden.", "We will publish the programme next week.",
     "<p>Článek je naplánován a zatím ho vidí jen redakce.</p>",
     "<p>This article is scheduled; only editors can see it for now.</p>",
     ("mental-health",)),
)

PAGES = {
    "about": ("O hubu", "About the hub",
              "<p>Pacientský hub Ministerstva zdravotnictví propojuje pacientské organizace, "
              "odborníky a veřejnou správu. Nabízí vzdělávání, prostory pro setkávání "
              "a aktuální informace.</p>",
              "<p>The Ministry of Health's Patient Hub connects patient organisations, experts "
              "and public administration. It offers learning, meeting rooms and current "
              "information.</p>"),
    "getting-here": ("Jak se k nám dostanete", "How to get here",
                     "<p>Palackého náměstí 375/4, Praha 2. Metro B, stanice Karlovo náměstí. "
                     "Bezbariérový vstup z Vodičkovy ulice.</p>",
                     "<p>Palackého náměstí 375/4, Prague 2. Metro line B, Karlovo náměstí "
                     "station. Step-free entrance from Vodičkova street.</p>"),
    "privacy": ("Ochrana osobních údajů", "Privacy",
                "<p>Zpracováváme jen údaje potřebné pro služby hubu. Vše, co o vás máme, si "
                "můžete stáhnout na stránce svého profilu.</p>",
                "<p>We process only the data needed for the hub's services. You can download "
                "everything we hold about you on your profile page.</p>"),
}


def create_demo_data(dbsession, scale: int = 1) -> None:
    seed_topics(dbsession)
    topics = {t.slug: t for t in dbsession.scalars(sa.select(Topic))}
    now = utcnow().replace(second=0, microsecond=0)
    existing = set(dbsession.scalars(sa.select(Article.title_cs)))
    for days, t_cs, t_en, p_cs, p_en, b_cs, b_en, slugs in ARTICLES:
        if t_cs in existing:
            continue
        dbsession.add(Article(title_cs=t_cs, title_en=t_en, perex_cs=p_cs, perex_en=p_en,
                              body_cs=b_cs, body_en=b_en,
                              publish_at=now + dt.timedelta(days=days),
                              topics=[topics[s] for s in slugs if s in topics]))
    for i in range(max(0, scale - 1) * 50):
        title = f"Zpráva z regionu {i + 1}"
        if title not in existing:
            dbsession.add(Article(title_cs=title, perex_cs="Krátká zpráva z činnosti hubu.",
                                  body_cs="<p>Text zprávy.</p>",
                                  publish_at=now - dt.timedelta(days=60 + i)))
    for slug, (title_cs, title_en, body_cs, body_en) in PAGES.items():
        if dbsession.scalar(sa.select(Page.id).where(Page.slug == slug)) is None:
            dbsession.add(Page(slug=slug, title_cs=title_cs, title_en=title_en,
                               body_cs=body_cs, body_en=body_en))
    if dbsession.scalar(sa.select(Banner.id)) is None:
        # An announcement about a day ends with that day's outage, so it hides itself then.
        day = now.astimezone(PRAGUE).date() + dt.timedelta(days=3)
        ends = dt.datetime.combine(day, dt.time(20), tzinfo=PRAGUE).astimezone(dt.UTC)
        dbsession.add(Banner(
            text_cs=f"{format_date(day, 'd. MMMM', locale='cs')} bude hub od 18 do 20 hodin "
                    "mimo provoz (údržba).",
            text_en=f"On {format_date(day, 'd MMMM', locale='en')} the hub is unavailable "
                    "from 6 to 8 pm (maintenance).", level="info",
            starts_at=now - dt.timedelta(days=1), ends_at=ends))
    dbsession.flush()
    # Each article's history starts with the text it was created with.
    for article in dbsession.scalars(sa.select(Article).where(~sa.exists().where(
            ArticleRevision.article_id == Article.id))):
        dbsession.add(ArticleRevision(article_id=article.id, number=1,
                                      author_id=article.author_id, **texts(article)))
    dbsession.flush()
