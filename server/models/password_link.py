"""One-time password links: an admin's way to let a person choose a password. The link's token is
shown once; only its hash is kept here."""
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.ids import new_id
from server.models.types import UTCDateTime, UUIDString, utcnow


class PasswordLink(db.Model):
    """A live link: it is deleted when used, when a newer link for the same person is made and
    when the person is deactivated, so a row past `expires_at` is the only dead one kept."""

    __tablename__ = "password_links"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    expires_at = mapped_column(UTCDateTime, nullable=False, index=True)
