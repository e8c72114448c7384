"""Case references are unique and gapless under concurrent questions."""
import sqlalchemy as sa

THREADS = 20


def test_concurrent_questions_get_distinct_consecutive_references(committed_app, concurrent):
    from hub.testing import _make_testapp
    from hub_counselling.hooks import CASE_CONSENT
    from hub_counselling.models import Case

    app = committed_app("counselling")
    clients = []
    for i in range(THREADS):
        client = _make_testapp(app)
        client.extra_environ["REMOTE_ADDR"] = f"10.0.0.{i + 1}"
        client.csrf_token  # noqa: B018 (sets the cookie before the race)
        clients.append(client)

    def ask(i):
        client = clients[i]
        response = client.post_json("/api/v1/counselling/cases", {
            "subject": f"Dotaz {i}", "message": "Text", "email": f"asker{i}@example.org",
            "category": "other", "consent": CASE_CONSENT.text_version}, headers={
            "X-CSRF-Token": client.csrf_token.strip('"'), "Origin": client.origin},
            expect_errors=True)
        return response.status_int, response.json.get("reference")

    results = concurrent(THREADS, ask)
    errors = [r for r in results if not isinstance(r, tuple) or r[0] != 201]
    assert not errors, errors[:3]
    references = sorted(r[1] for r in results)
    numbers = [int(r[-5:]) for r in references]
    assert numbers == list(range(1, THREADS + 1))
    with app.registry["hub.dbsession_factory"]() as db:
        assert sorted(db.scalars(sa.select(Case.reference))) == references
