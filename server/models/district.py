"""Districts and their schools."""
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.types import JSONDocument, UTCDateTime, UUIDString, utcnow
from server.ids import new_id


class District(db.Model):
    __tablename__ = "districts"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    # Quiet hours and reminder rules; what is missing takes the default of server.loop_settings.
    settings = mapped_column(JSONDocument, default=dict, nullable=False, server_default="{}")
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    schools: Mapped[list["School"]] = relationship(back_populates="district", order_by="School.name")


class School(db.Model):
    __tablename__ = "schools"
    __table_args__ = (UniqueConstraint("district_id", "name", name="uq_schools_district_name"),)

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    district_id: Mapped[str] = mapped_column(ForeignKey("districts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # None means the district's timezone applies.
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    district: Mapped[District] = relationship(back_populates="schools")

    @property
    def effective_timezone(self) -> str:
        return self.timezone or self.district.timezone
