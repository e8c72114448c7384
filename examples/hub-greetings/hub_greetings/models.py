import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base


class Greeting(Base):
    __tablename__ = "greetings_greeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(sa.String(200))
