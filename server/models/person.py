"""People: everyone who signs in or is observed, with their roles and scope."""
from sqlalchemy import Boolean, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schemas.people import ROLES  # noqa: F401  (the one list of roles, re-exported)
from server.extensions import db
from server.ids import new_id
from server.models.types import JSONDocument, UTCDateTime, UUIDString, utcnow



class Person(db.Model):
    """A person in one district; `school_id` None means their roles apply district-wide."""

    __tablename__ = "people"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    district_id: Mapped[str] = mapped_column(ForeignKey("districts.id"), index=True)
    school_id: Mapped[str | None] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # Stored lowercased so that uniqueness is case-insensitive on every engine.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Kinds of notification this person does not want pushed (the inbox still has them).
    push_off = mapped_column(JSONDocument, default=list, nullable=False, server_default="[]")
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    role_grants: Mapped[list["RoleGrant"]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> list[str]:
        return sorted(grant.role for grant in self.role_grants)

    def has_role(self, *roles: str) -> bool:
        return any(grant.role in roles for grant in self.role_grants)

    def set_roles(self, roles) -> None:
        wanted = set(roles)
        self.role_grants = [g for g in self.role_grants if g.role in wanted]
        held = {g.role for g in self.role_grants}
        self.role_grants.extend(RoleGrant(role=role) for role in sorted(wanted - held))

    @classmethod
    def by_email(cls, email: str) -> "Person | None":
        return db.session.scalar(select(cls).where(cls.email == email.strip().lower()))


class RoleGrant(db.Model):
    __tablename__ = "role_grants"

    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)

    person: Mapped[Person] = relationship(back_populates="role_grants")
