"""Look-for templates: what a district or school asks observers to look for, versioned."""
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schemas.templates import LOOKFOR_KINDS  # noqa: F401  (the one list of kinds, re-exported)
from server.extensions import db
from server.ids import new_id
from server.models.types import JSONDocument, UTCDateTime, UUIDString, utcnow



class LookForTemplate(db.Model):
    """One version of a template. Versions of the same template share `family_id`.

    A published version never changes: observations point at it by id and version, so their
    look-for values keep their meaning. Editing a published template makes a new draft version.
    """

    __tablename__ = "lookfor_templates"
    __table_args__ = (UniqueConstraint("family_id", "version", name="uq_templates_family_version"),)

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    family_id: Mapped[str] = mapped_column(UUIDString, index=True)
    version: Mapped[int] = mapped_column(Integer)
    district_id: Mapped[str] = mapped_column(ForeignKey("districts.id"), index=True)
    # None means every school of the district may use it.
    school_id: Mapped[str | None] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    problem_of_practice: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by_id: Mapped[str | None] = mapped_column(ForeignKey("people.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    published_at = mapped_column(UTCDateTime)

    lookfors: Mapped[list["LookFor"]] = relationship(
        back_populates="template", cascade="all, delete-orphan", order_by="LookFor.position",
        lazy="selectin",
    )

    @property
    def is_published(self) -> bool:
        return self.status == "published"


class LookFor(db.Model):
    """One thing to look for. `levels` holds the labelled levels of a `scale`, else None.

    `binds` names the observation's instructional-core field this look-for stands for (e.g.
    "task_demand"), else None: its answer is that field, so the observer gives it once.
    """

    __tablename__ = "lookfors"
    __table_args__ = (UniqueConstraint("template_id", "key", name="uq_lookfors_template_key"),)

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    template_id: Mapped[str] = mapped_column(ForeignKey("lookfor_templates.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    levels = mapped_column(JSONDocument)
    binds: Mapped[str | None] = mapped_column(String(40))

    template: Mapped[LookForTemplate] = relationship(back_populates="lookfors")
