"""The cache regions: values shared by requests, emptied when their tables change."""
import itertools

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from hub.cache import Cache, watch_sessions
from hub.organizations.models import Organisation


@pytest.fixture
def cache(tmp_path):
    cache = Cache(tmp_path / "cache")
    cache.add_region("orgs", tables=("organisation",), ttl=300)
    cache.add_region("other", tables=("topic",), ttl=300)
    return cache


@pytest.fixture
def session_factory(migrated_database, connection, cache):
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint",
                           expire_on_commit=False)
    watch_sessions(factory, cache)
    return factory


def counter():
    calls = itertools.count(1)
    return lambda: next(calls)


def test_a_value_is_computed_once_per_key(cache):
    create = counter()
    assert cache.get_or_create("orgs", "cs", create) == 1
    assert cache.get_or_create("orgs", "cs", create) == 1
    assert cache.get_or_create("orgs", "en", create) == 2


def test_a_committed_write_to_a_table_empties_its_regions_only(cache, session_factory):
    orgs, other = counter(), counter()
    cache.get_or_create("orgs", "k", orgs)
    cache.get_or_create("other", "k", other)
    with session_factory() as session:
        session.add(Organisation(name="Nová", slug="nova-organizace"))
        session.commit()
    assert cache.get_or_create("orgs", "k", orgs) == 2
    assert cache.get_or_create("other", "k", other) == 1


def test_bulk_statements_count_as_writes(cache, session_factory):
    create = counter()
    cache.get_or_create("orgs", "k", create)
    with session_factory() as session:
        session.execute(sa.insert(Organisation), [{"name": "Hromadná", "slug": "hromadna"}])
        session.commit()
    assert cache.get_or_create("orgs", "k", create) == 2


def test_a_rolled_back_write_keeps_the_values(cache, session_factory):
    create = counter()
    cache.get_or_create("orgs", "k", create)
    with session_factory() as session:
        session.add(Organisation(name="Zrušená", slug="zrusena"))
        session.flush()
        session.rollback()
    assert cache.get_or_create("orgs", "k", create) == 1


def test_another_process_sees_the_change_at_its_next_read(cache, tmp_path):
    # A second Cache on the same directory stands for another worker process.
    other_process = Cache(tmp_path / "cache")
    other_process.add_region("orgs", tables=("organisation",), ttl=300)
    create = counter()
    assert other_process.get_or_create("orgs", "k", create) == 1
    assert other_process.get_or_create("orgs", "k", create) == 1
    cache.tables_written({"organisation"})
    assert other_process.get_or_create("orgs", "k", create) == 2


def test_values_expire_after_the_ttl(cache, monkeypatch):
    import hub.cache

    now = [1000.0]
    monkeypatch.setattr(hub.cache.time, "monotonic", lambda: now[0])
    create = counter()
    cache.get_or_create("orgs", "k", create)
    now[0] += 299
    assert cache.get_or_create("orgs", "k", create) == 1
    now[0] += 2
    assert cache.get_or_create("orgs", "k", create) == 2


def test_a_region_is_declared_once(cache):
    with pytest.raises(ValueError, match="declared twice"):
        cache.add_region("orgs", tables=(), ttl=1)


def test_the_apps_sessions_report_their_writes(make_app, bind_registry, migrated_database):
    """Sessions made by the application (as requests and jobs make them) empty regions."""
    registry = bind_registry(make_app("greetings").registry)
    cache = registry["hub.cache"]
    if "test.organisations" not in cache.regions:
        cache.add_region("test.organisations", tables=("organisation",), ttl=300)
    create = counter()
    cache.get_or_create("test.organisations", "k", create)
    with registry["hub.dbsession_factory"]() as session:
        session.add(Organisation(name="Přes aplikaci", slug="pres-aplikaci"))
        session.commit()
    assert cache.get_or_create("test.organisations", "k", create) == 2


def test_writes_in_one_clock_tick_give_new_stamps(cache, tmp_path):
    other_process = Cache(tmp_path / "cache")
    other_process.ensure_region("orgs", tables=("organisation",), ttl=300)
    create = counter()
    for expected in range(1, 6):
        cache.tables_written({"organisation"})
        assert other_process.get_or_create("orgs", "k", create) == expected


def test_regions_known_only_at_request_time(cache):
    cache.ensure_region("late", tables=("topic",), ttl=300)
    cache.ensure_region("late", tables=("topic",), ttl=300)  # the next request: no error
    create = counter()
    cache.get_or_create("late", "k", create)
    cache.tables_written({"topic"})
    assert cache.get_or_create("late", "k", create) == 2


def test_a_region_on_any_table_is_emptied_by_every_write(cache, session_factory):
    cache.ensure_region("everything", tables=("*",), ttl=300)
    create = counter()
    cache.get_or_create("everything", "k", create)
    with session_factory() as session:
        session.add(Organisation(name="Jakákoli", slug="jakakoli"))
        session.commit()
    assert cache.get_or_create("everything", "k", create) == 2
