"""Reading and writing entries: the one place the page and the API share."""
import sqlalchemy as sa

from hub_greetings.i18n import _
from hub_greetings.models import TEXT_MAX, Entry


def text_error(text: str):
    """Why ``text`` (already stripped) cannot be an entry, or ``None``."""
    if not text:
        return _("Write the text of your entry.")
    if len(text) > TEXT_MAX:
        return _("Use at most ${max} characters.", mapping={"max": TEXT_MAX})
    return None


def add_entry(request, text: str, author) -> Entry:
    """A new entry in the request's transaction; check ``text_error`` first."""
    entry = Entry(text=text, author_id=author.id if author is not None else None)
    request.dbsession.add(entry)
    request.dbsession.flush()
    return entry


def latest_entries(request, limit: int, offset: int = 0) -> tuple[list[Entry], int]:
    """The newest entries first, and how many there are in all."""
    db = request.dbsession
    rows = db.scalars(sa.select(Entry).order_by(Entry.created_at.desc(), Entry.id.desc())
                      .limit(limit).offset(offset)).all()
    return rows, db.scalar(sa.select(sa.func.count()).select_from(Entry))
