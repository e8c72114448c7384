"""The site search index: Czech as people type it, ranking, visibility, keeping in step."""
import datetime as dt

import pytest
import sqlalchemy as sa
import transaction

from hub.db import utcnow
from hub.search import Document, SearchSource, fold, sync, terms
from hub.search.models import SearchDocument
from hub.search.query import search
from hub.security import STAFF
from hub.testing import html_text
from hub.topics.models import Topic

HIDDEN_FROM_ANONYMOUS = "staff-only"


def topic_documents(dbsession, topics):
    """A test source over the core's topics: the slug is the body, "staff-only" in the slug
    asks for the staff permission, an inactive topic is not found."""
    for topic in topics:
        if not topic.is_active:
            continue
        for language in ("cs", "en"):
            yield Document(key=topic.id, language=language, title=topic.name(language),
                           body=topic.slug.replace("-", " "), route="search",
                           anchor=f"topic-{topic.id}", summary=topic.slug,
                           permission=STAFF if HIDDEN_FROM_ANONYMOUS in topic.slug else "",
                           visible_from=utcnow() + dt.timedelta(days=1)
                           if "tomorrow" in topic.slug else None)


SOURCE = SearchSource("test.topic", "Topic", Topic, topic_documents,
                      fields=("name_cs", "name_en", "slug", "is_active"), permissions=(STAFF,))


@pytest.fixture
def searchable(app, dbsession):
    sources = app.registry["hub.search.sources"]
    saved = dict(sources)
    sources.clear()  # only the test's kind, whatever the plugins index
    sources[SOURCE.kind] = SOURCE
    sync.register(SOURCE)
    yield app
    sources.clear()
    sources.update(saved)
    sync._forget(SOURCE.kind)


@pytest.fixture
def topic(dbsession, searchable):
    def _make(name_cs, name_en=None, slug=None):
        number = dbsession.scalar(sa.select(sa.func.count()).select_from(Topic)) + 1
        made = Topic(name_cs=name_cs, name_en=name_en or name_cs,
                     slug=slug or f"t{number}", kind="theme")
        dbsession.add(made)
        dbsession.flush()
        return made
    return _make


def titles(request, query, **kw):
    return [r.title for r in search(request, query, **kw).results]


@pytest.fixture
def request_(searchable, dbsession):
    from hub.jobs import background_request

    request = background_request(searchable.registry)
    request.dbsession = dbsession
    return request


def test_words_are_folded_and_stripped_of_query_syntax():
    assert fold("Práva PACIENTŮ, Žluťoučký kůň") == "prava pacientu, zlutoucky kun"
    assert terms('"práva" OR pacient* NEAR(a) -x_y prava') == ["prava", "or", "pacient",
                                                               "near", "a", "x", "y"]


def test_czech_is_found_however_it_is_typed(topic, request_):
    topic("Práva pacientů v praxi", "Patients' rights in practice")
    for query in ("prava pacientu", "práva pacientů", "PRÁVA PACIENTŮ", "Prava Pacientu",
                  "prav pac", "pacientu prava"):
        assert titles(request_, query) == ["Práva pacientů v praxi"], query
    assert titles(request_, "pacientka") == []
    assert titles(request_, "práva lékařů") == []  # every word must match


def test_each_result_comes_in_the_persons_language(topic, searchable, request_, testapp):
    topic("Práva pacientů v praxi", "Patients' rights in practice")
    request_.locale_name = "en"
    assert titles(request_, "rights") == ["Patients' rights in practice"]
    testapp.set_cookie("hub_lang", "en")
    page = testapp.get("/search", {"q": "rights"})
    assert "Patients&#39; rights in practice" in page.text or \
        "Patients' rights in practice" in page.text
    assert "Práva pacientů v praxi" not in page.text


def test_title_matches_rank_before_body_matches(topic, request_):
    topic("Jiné téma", slug="cukrovka-a-dieta")
    topic("Cukrovka", slug="t-title")
    assert titles(request_, "cukrovka") == ["Cukrovka", "Jiné téma"]


def test_hidden_and_scheduled_documents_are_not_found(topic, request_, users, testapp):
    topic("Interní cukrovka", slug=f"{HIDDEN_FROM_ANONYMOUS}-x")
    topic("Zítřejší cukrovka", slug="tomorrow-x")
    topic("Veřejná cukrovka")
    assert titles(request_, "cukrovka") == ["Veřejná cukrovka"]
    testapp.login(users.staff)
    text = testapp.get("/search", {"q": "cukrovka"}).text
    assert "Interní cukrovka" in text and "Zítřejší cukrovka" not in text


def test_the_index_follows_changes_in_the_same_transaction(topic, dbsession, request_):
    made = topic("Roztroušená skleróza")
    made.name_cs = "Revmatoidní artritida"
    dbsession.flush()
    assert titles(request_, "skleroza") == []
    assert titles(request_, "artritida") == ["Revmatoidní artritida"]
    dbsession.execute(sa.update(Topic).where(Topic.id == made.id)
                      .values(name_cs="Dna a artritida"))
    assert titles(request_, "dna") == ["Dna a artritida"]
    made.is_active = False
    dbsession.flush()
    assert titles(request_, "artritida") == []
    dbsession.execute(sa.delete(Topic).where(Topic.id == made.id))
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(SearchDocument).where(
        SearchDocument.kind == SOURCE.kind, SearchDocument.key == str(made.id))) == 0


def test_bulk_inserts_index_the_whole_kind(searchable, dbsession, request_):
    dbsession.execute(sa.insert(Topic), [
        {"slug": f"bulk-{n}", "name_cs": f"Hromadné téma {n}", "name_en": f"Bulk {n}",
         "kind": "theme", "position": n, "is_active": True} for n in range(3)])
    assert sorted(titles(request_, "hromadne")) == [f"Hromadné téma {n}" for n in range(3)]


def test_a_counter_change_leaves_the_index_alone(topic, dbsession, request_):
    made = topic("Astma")
    before = dbsession.scalar(sa.select(SearchDocument.id).where(
        SearchDocument.kind == SOURCE.kind, SearchDocument.key == str(made.id)).limit(1))
    made.position = 7  # not one of the source's fields
    dbsession.execute(sa.update(Topic).where(Topic.id == made.id).values(position=8))
    dbsession.flush()
    assert dbsession.scalar(sa.select(SearchDocument.id).where(
        SearchDocument.kind == SOURCE.kind, SearchDocument.key == str(made.id)).limit(1)) \
        == before


def test_nothing_is_left_of_a_rolled_back_change(searchable, dbsession, request_):
    savepoint = transaction.savepoint()
    dbsession.add(Topic(name_cs="Zapomenuté téma", name_en="Forgotten", slug="forgotten"))
    dbsession.flush()
    assert titles(request_, "zapomenute") == ["Zapomenuté téma"]
    savepoint.rollback()
    assert titles(request_, "zapomenute") == []


def test_refresh_rebuilds_kinds_whose_documents_changed(topic, dbsession):
    from hub.search.models import SearchSourceState

    topic("Epilepsie")
    dbsession.execute(sa.delete(SearchDocument).where(SearchDocument.kind == SOURCE.kind))
    assert sync.refresh(dbsession, [SOURCE]) == [SOURCE.kind]
    assert dbsession.get(SearchSourceState, SOURCE.kind).version == "1"
    assert sync.refresh(dbsession, [SOURCE]) == []
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(SearchDocument).where(
        SearchDocument.kind == SOURCE.kind, SearchDocument.title == "Epilepsie")) == 2


def test_search_page_filters_by_kind_and_pages(topic, searchable, testapp, dbsession):
    for n in range(23):
        topic(f"Cukrovka {n:02}")
    page = testapp.get("/search", {"q": "cukrovka"})
    assert "Strana 1 z 2" in html_text(page) and "Cukrovka 00" in page.text
    assert 'href="/search?q=cukrovka&amp;kind=test.topic"' in page.text
    second = testapp.get("/search", {"q": "cukrovka", "page": "2", "kind": "test.topic"})
    assert "Cukrovka 22" in second.text and "Cukrovka 00" not in second.text
    assert '<ol class="hub-search-results" aria-labelledby="search-results" start="21">' \
        in second.text
    assert testapp.get("/search", {"q": "cukrovka", "kind": "nonsense"}).status_int == 200


@pytest.mark.parametrize("query", ['"', "*", "NEAR(", "a OR", "-", "'; drop", "^x", "ŽŽ",
                                   "x" * 400])
def test_query_syntax_never_breaks_the_page(searchable, testapp, query):
    assert testapp.get("/search", {"q": query}).status_int == 200
