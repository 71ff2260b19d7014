"""What each enrolled device last told the server about itself when it synced."""
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UTCDateTime, UUIDString


class DeviceReport(db.Model):
    """One row per device that has synced. `app_version` and `unsent` are None until the device
    first reports them; a report without one of them keeps the earlier value."""

    __tablename__ = "device_reports"

    device_id: Mapped[str] = mapped_column(UUIDString, ForeignKey("devices.id", ondelete="CASCADE"),
                                           primary_key=True)
    synced_at = mapped_column(UTCDateTime, nullable=False)
    app_version: Mapped[str | None] = mapped_column(String(64))
    # Changes the device held that it had not sent yet, as it counted them at `unsent_at`.
    unsent: Mapped[int | None] = mapped_column(Integer)
    unsent_at = mapped_column(UTCDateTime)
