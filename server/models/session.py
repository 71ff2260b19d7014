"""Browser sessions kept on the server: the cookie holds only a random token, stored here hashed."""
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.ids import new_id
from server.models.person import Person
from server.models.types import UTCDateTime, UUIDString, utcnow


class BrowserSession(db.Model):
    """One signed-in browser. It is live while `ended_at` is None and neither the idle nor the
    absolute limit has passed (server.browser_sessions decides); every copy of its cookie ends
    with it."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    # Given to the page by /api/me and required on cookie-authenticated writes.
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_seen_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    ended_at = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
