"""What devices say of themselves when they sync (app version, changes not yet sent), kept so that
an admin can see it, and read back with the devices."""
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from server.extensions import db
from server.models import Device, DeviceReport
from server.models.types import utcnow


def note_sync(device_id: str, app_version: str | None, unsent: int | None) -> None:
    """Record, in the caller's transaction, that the device synced now and what it reported; a
    value it did not report keeps its earlier one. One statement, so that two syncs of a device
    at the same moment cannot both try to create its row."""
    now = utcnow()
    values = {"device_id": device_id, "synced_at": now}
    if app_version is not None:
        values["app_version"] = app_version
    if unsent is not None:
        values["unsent"], values["unsent_at"] = unsent, now
    dialect = db.session.connection().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(DeviceReport).values(**values)
    db.session.execute(insert.on_conflict_do_update(
        index_elements=[DeviceReport.device_id],
        set_={name: insert.excluded[name] for name in values if name != "device_id"}))


def with_reports(devices: list[Device]) -> list[dict]:
    """Each device's own fields and its last report, as schemas.devices.ReportedDeviceSchema takes them."""
    ids = [device.id for device in devices]
    reports = {report.device_id: report for report in
               db.session.scalars(select(DeviceReport).where(DeviceReport.device_id.in_(ids)))} if ids else {}
    rows = []
    for device in devices:
        report = reports.get(device.id)
        rows.append({"id": device.id, "name": device.name, "person_id": device.person_id,
                     "created_at": device.created_at, "last_seen_at": device.last_seen_at,
                     "revoked_at": device.revoked_at,
                     "last_sync_at": report.synced_at if report else None,
                     "app_version": report.app_version if report else None,
                     "unsent": report.unsent if report else None,
                     "unsent_at": report.unsent_at if report else None})
    return rows
