"""Report summaries: what the district reports count, kept current from the change feed.

Derived data only (server.reports.summary rebuilds all of it from observations at any time):
- `report_facts`: per counted observation, the facts the reports read of it, as last summarised;
- `report_counts`: additive counts under keys (`kind`, `key`), e.g. how many answers of one
  look-for had one value in one school;
- `report_teachers`: per key and teacher, how many observations of that teacher it holds, so that
  "distinct teachers" stays exact when an observation changes or leaves; their number per key is
  kept in `report_counts` under the kind with "#" appended;
- `report_districts`: which districts are summarised, in which time zone, up to which position of
  the change feed.
"""
from sqlalchemy import BigInteger, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UTCDateTime, UUIDString


class ReportFacts(db.Model):
    __tablename__ = "report_facts"
    __table_args__ = (Index("ix_report_facts_district_teacher_day", "district_id", "teacher_id", "day"),)

    observation_id: Mapped[str] = mapped_column(UUIDString, primary_key=True)
    district_id: Mapped[str] = mapped_column(UUIDString, nullable=False)
    teacher_id: Mapped[str] = mapped_column(UUIDString, nullable=False)
    day: Mapped[str] = mapped_column(String(10))
    facts: Mapped[str] = mapped_column(Text)


class ReportCount(db.Model):
    __tablename__ = "report_counts"
    # Counts that fell to zero, found without scanning the district's counts (then deleted).
    __table_args__ = (Index("ix_report_counts_zero", "district_id", postgresql_where=text("n = 0"),
                            sqlite_where=text("n = 0")),)

    district_id: Mapped[str] = mapped_column(UUIDString, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, nullable=False)


class ReportTeacher(db.Model):
    __tablename__ = "report_teachers"
    __table_args__ = (Index("ix_report_teachers_zero", "district_id", postgresql_where=text("n = 0"),
                            sqlite_where=text("n = 0")),)

    district_id: Mapped[str] = mapped_column(UUIDString, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    teacher_id: Mapped[str] = mapped_column(UUIDString, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, nullable=False)


class ReportDistrict(db.Model):
    __tablename__ = "report_districts"

    district_id: Mapped[str] = mapped_column(UUIDString, primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(BigInteger, nullable=False)
    built_at = mapped_column(UTCDateTime, nullable=False)
