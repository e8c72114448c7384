"""The Redis session store: same behaviour as the database store, on the real Redis."""
import datetime as dt

import pytest

from hub.accounts.session_stores import RedisSessionStore
from hub.db import utcnow
from hub.settings import SettingsError
from hub.testing import TEST_PASSWORD


@pytest.fixture
def store(redis_url):
    store = RedisSessionStore(redis_url, absolute_hours=24)
    for key in store.redis.scan_iter("hub:*session*"):
        store.redis.delete(key)
    return store


def record(user_id, data=None):
    now = utcnow()
    return {"user_id": user_id, "data": data or {}, "created_at": now, "last_seen_at": now,
            "user_agent": "test"}


def test_save_load_delete(store):
    store.save("a" * 64, record(7, {"_f_": ["hi"]}), new=True)
    loaded = store.load("a" * 64)
    assert loaded["user_id"] == 7 and loaded["data"] == {"_f_": ["hi"]}
    assert loaded["created_at"].tzinfo is not None
    assert 0 < store.redis.ttl("hub:session:" + "a" * 64) <= 24 * 3600
    store.delete("a" * 64)
    assert store.load("a" * 64) is None


def test_delete_for_user_keeps_the_current_one(store):
    for key in ("k1", "k2", "k3"):
        store.save(key, record(5), new=True)
    store.save("other", record(6), new=True)
    assert store.delete_for_user(5, keep="k2") == 2
    assert store.load("k1") is None and store.load("k2") is not None
    assert store.load("other") is not None


def test_an_ended_session_is_not_saved_again(store):
    store.save("k1", record(5), new=True)
    store.delete_for_user(5)
    store.save("k1", record(5, {"_f_": ["late flash"]}), new=False)  # a request in flight
    assert store.load("k1") is None


def test_an_app_with_redis_sessions_signs_in_and_out(make_app, make_testapp, users, redis_url,
                                                     store, login_form):
    app = make_app(**{"hub.session.backend": "redis", "hub.redis_url": redis_url})
    client = make_testapp(app)
    login_form(client, users.member.email, TEST_PASSWORD)
    assert client.get("/my").status_int == 200
    assert store.sessions_of(users.member.id)
    second = make_testapp(app)
    login_form(second, users.member.email, TEST_PASSWORD)
    client.get("/profile").forms["logout-everywhere-form"].submit()
    assert second.get("/my").status_int == 302
    assert store.sessions_of(users.member.id) == []


def test_idle_redis_session_expires(make_app, make_testapp, users, redis_url, store,
                                    login_form):
    import time_machine

    app = make_app(**{"hub.session.backend": "redis", "hub.redis_url": redis_url})
    client = make_testapp(app)
    login_form(client, users.member.email, TEST_PASSWORD)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=61)):
        assert client.get("/my").status_int == 302


def test_unknown_backend_stops_start_up(make_app):
    with pytest.raises(SettingsError):
        make_app(**{"hub.session.backend": "memcached"})
