"""Demo data: a counsellor, templates in both languages, cases in every state."""
import sqlalchemy as sa

from hub import consent
from hub.accounts.models import User
from hub.demo import core_demo_data
from hub_counselling import services
from hub_counselling.demo import demo_data
from hub_counselling.models import Case, Counsellor, ReplyTemplate


def test_demo_data_is_idempotent_and_covers_the_states(dbsession, hub_request):
    core_demo_data(dbsession, 1)
    demo_data(dbsession, hub_request.registry)
    demo_data(dbsession, hub_request.registry)
    cases = dbsession.scalars(sa.select(Case).where(
        Case.email.like("%@demo.example.cz") | (Case.email == "guest@example.org"))).all()
    assert len(cases) == 6
    assert {c.status for c in cases} == {"new", "open", "waiting", "answered", "closed"}
    assert {c.language for c in cases} == {"cs", "en"}
    assert all(c.messages and c.messages[0].direction == "in" for c in cases)
    assert all(consent.has_consent(hub_request, services.subject_of(c), services.PURPOSE,
                                   services.object_of(c)) for c in cases)
    staff = dbsession.scalar(sa.select(User).where(User.email == "staff@example.org"))
    assert dbsession.get(Counsellor, staff.id) is not None
    assert {c.assignee_id for c in cases if c.status != "new"} == {staff.id}
    emily = dbsession.scalar(sa.select(User).where(User.email == "guest@example.org"))
    assert [c.subject for c in services.cases_of_user(hub_request, emily)] == [
        "Registering with a GP as a foreign resident"]
    templates = dbsession.scalars(sa.select(ReplyTemplate)).all()
    assert len(templates) == 4 and {t.language for t in templates} == {"cs", "en"}
