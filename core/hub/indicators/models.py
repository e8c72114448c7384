"""Portal reach: page views per day and page type, nothing else.

No address, cookie, User-Agent, hash or time of day is stored: a row says only that pages
of one type were shown so many times on one day (Prague date), so nothing in it can be
tied to a person or linked with another row.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base


class PageViewDaily(Base):
    __tablename__ = "page_view_daily"
    __table_args__ = (sa.CheckConstraint("views >= 0", name="views_not_negative"),)

    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    page_type: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    views: Mapped[int] = mapped_column(sa.BigInteger, default=0)
