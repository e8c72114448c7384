import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow

TEXT_MAX = 500


class Entry(Base):
    """An entry of the page. ``author_id`` is personal data: the hooks export it and
    erase it (the entry stays, without its author)."""

    __tablename__ = "greetings_entry"
    __table_args__ = (
        sa.CheckConstraint("length(text) > 0", name="text_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(sa.String(TEXT_MAX))
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
