"""The media library's migrations go up and down (core, and the events column)."""
import sqlalchemy as sa

from hub import migrate
from hub.app import make_config
from hub.db import make_engine

BEFORE = "e7b2c5a9d1f0"  # the core revision before the media library


def _registry(base_settings, url, plugins):
    engine = make_engine(url)
    return make_config({**base_settings, "sqlalchemy.url": url, "hub.dbengine": engine,
                        "hub.plugins": " ".join(plugins)}).registry


def _tables(engine) -> set:
    return set(sa.inspect(engine).get_table_names())


def test_the_media_tables_round_trip(base_settings, empty_database):
    registry = _registry(base_settings, empty_database, ["events"])
    engine = registry["hub.dbengine"]
    try:
        migrate.upgrade(registry)
        assert {"media_item", "media_caption"} <= _tables(engine)
        columns = {c["name"] for c in sa.inspect(engine).get_columns("events_event")}
        assert "recording_media_id" in columns
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO media_item (id, kind, title, file_key, file_name, content_type, "
                "size, sha256, created_at, updated_at) VALUES (1, 'video', 'V', 'k', 'v.webm', "
                "'video/webm', 1, 'x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
            conn.exec_driver_sql("INSERT INTO media_caption (item_id, language, vtt) "
                                 "VALUES (1, 'cs', 'WEBVTT')")
        with engine.begin() as conn:
            # An image without alternative text is refused by the migrated schema too.
            try:
                with conn.begin_nested():
                    conn.exec_driver_sql(
                        "INSERT INTO media_item (kind, title, alt, file_key, file_name, "
                        "content_type, size, sha256, created_at, updated_at) VALUES ('image', "
                        "'I', '', 'k', 'i.png', 'image/png', 1, 'x', CURRENT_TIMESTAMP, "
                        "CURRENT_TIMESTAMP)")
                refused = False
            except sa.exc.IntegrityError:
                refused = True
        assert refused
        migrate.downgrade(registry, "events", "5d0e8a1f7c36")
        columns = {c["name"] for c in sa.inspect(engine).get_columns("events_event")}
        assert "recording_media_id" not in columns
        migrate.downgrade(registry, "core", BEFORE)
        assert not {"media_item", "media_caption"} & _tables(engine)
        migrate.upgrade(registry)
        assert {"media_item", "media_caption"} <= _tables(engine)
    finally:
        engine.dispose()
