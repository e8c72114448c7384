"""Two editors saving the same short name at the same moment: one topic, no 500."""
import sqlalchemy as sa

from hub.testing import _make_testapp, make_user
from hub.topics.models import Topic


def test_concurrent_topics_with_the_same_short_name(committed_app, concurrent):
    app = committed_app("news")
    with app.registry["hub.dbsession_factory"]() as db:
        editors = [make_user(db, f"editor{i}@race.example", "staff") for i in range(8)]
        db.commit()

    # Compile the templates first: CPython 3.11 can fail compiling ASTs in parallel threads.
    warm = _make_testapp(app)
    warm.login(editors[0])
    warm.get("/topics/manage/new")

    def create(i):
        client = _make_testapp(app)
        client.login(editors[i])
        return client.post_form("/topics/manage/new", {
            "name_cs": f"Astma {i}", "name_en": f"Asthma {i}", "slug": "asthma",
            "kind": "disease", "is_active": "on"}, expect_errors=True).status_int

    statuses = concurrent(len(editors), create)
    assert sorted(statuses) == [303] + [422] * (len(editors) - 1), statuses
    with app.registry["hub.dbsession_factory"]() as db:
        assert db.scalar(sa.select(sa.func.count()).select_from(Topic)
                         .where(Topic.slug == "asthma")) == 1
