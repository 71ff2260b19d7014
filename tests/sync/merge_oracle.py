"""What the server's merge must answer to each op, predicted from the rules of docs/sync.md.

The convergence test feeds every op the server took, in the order it took them, to `MergeOracle`.
It keeps its own copy of every field and of its stamp (the record version, device, clock and op of
its last change), predicts the answer (applied or conflict, each conflict with its winner, the new
version, a clamped clock), and checks the server's answer against it; at each full exchange the
database must hold the predicted values and stamps. The rules are written out here again, not taken
from sync.merge, so that a wrong rule there cannot agree with itself: who wins a conflict, above
all, is decided here by `max` over the two clocks.
"""
from dataclasses import dataclass
from datetime import date, datetime

from sync.entities import ENTITIES, canonical_datetime

LOOKFOR = "lookfors."
MAX_AHEAD_MS = 5 * 60 * 1000  # SYNC.md: a clock further ahead of the server's is pulled back


@dataclass(frozen=True)
class Stamp:
    version: int
    device_id: str
    hlc: str
    op_id: str

    def side(self, value) -> tuple:
        return (value, self.device_id, self.hlc, self.op_id)


def same(a, b) -> bool:
    """Values agree only with their type: a look-for's 1 is not true."""
    return type(a) is type(b) and a == b


def spread(entity: str, values: dict) -> dict:
    """Look-fors as one field per key, as they merge."""
    if entity != "observation":
        return dict(values)
    flat = {name: value for name, value in values.items() if name != "lookfors"}
    flat.update((LOOKFOR + key, value) for key, value in (values.get("lookfors") or {}).items())
    return flat


def canonical_fields(op: dict) -> dict:
    """The values an op sets, in their canonical form, look-fors spread."""
    clean, _errors = ENTITIES[op["entity"]].validate(op["fields"], creating=False)
    return spread(op["entity"], clean)


def effective_clock(hlc: str, server_ms: int) -> tuple[str, bool]:
    """The clock the server must merge with: one more than five minutes ahead of it comes back
    to the server's millisecond, keeping its counter and node."""
    ms, counter, node = hlc.split(":", 2)
    if int(ms) > server_ms + MAX_AHEAD_MS:
        return f"{server_ms:015d}:{counter}:{node}", True
    return hlc, False


@dataclass
class Record:
    version: int
    values: dict
    stamps: dict


class MergeOracle:
    def __init__(self):
        self.records: dict[tuple, Record] = {}

    def take(self, device_id: str, op: dict, result: dict, server_ms: int) -> None:
        """Check the server's `result` for `op` (its first answer) and move the prediction on."""
        if op["entity"] == "note" or result["status"] not in ("applied", "conflict"):
            return  # notes never merge; a refused op changes nothing
        hlc, clamped = effective_clock(op["hlc"], server_ms)
        assert result.get("clamped_hlc") == (hlc if clamped else None), (op, result)
        key = (op["entity"], op["record_id"])
        record = self.records.get(key)
        if record is None:
            record = self.records[key] = Record(0, spread(op["entity"], ENTITIES[op["entity"]].defaults), {})
        status, conflicts, version = self._merge(record, canonical_fields(op), op["base_version"], Stamp(
            record.version + 1, device_id, hlc, op["op_id"]))
        answered = sorted((c["field"], tuple(c["kept"][k] for k in ("value", "device_id", "hlc", "op_id")),
                           tuple(c["lost"][k] for k in ("value", "device_id", "hlc", "op_id")))
                          for c in result["conflicts"])
        predicted = sorted(conflicts)
        assert (result["status"], result["version"], answered) == (status, version, predicted), (
            f"The server merged {op} differently from the rules.\n"
            f"Server: {result['status']}, version {result['version']}, conflicts (field, kept, lost) {answered}\n"
            f"Rules:  {status}, version {version}, conflicts {predicted}")

    @staticmethod
    def _merge(record: Record, incoming: dict, base_version: int, mine: Stamp) -> tuple[str, list, int]:
        values, stamps = record.values, record.stamps

        def unseen(stamp):
            """A change the op's device had not seen: made by another device after its base."""
            return stamp is not None and stamp.version > base_version and stamp.device_id != mine.device_id

        written, conflicts = {}, []
        restamped = {}
        unseen_edits = [stamp for name, stamp in stamps.items() if name != "deleted" and unseen(stamp)]
        for name, value in incoming.items():
            old, stamp = values.get(name), stamps.get(name)
            if name == "deleted" and value is True and not values.get("deleted") and unseen_edits:
                # A delete loses to every edit it had not seen: the record stays, the delete is kept.
                edit = max(unseen_edits, key=lambda s: s.version)
                conflicts.append(("deleted", edit.side(False), mine.side(True)))
            elif not unseen(stamp):
                written[name] = value
            elif same(old, value):
                # Agreeing writes: the field carries the later clock of the two.
                restamped[name] = max(stamp, mine, key=lambda s: s.hlc)
            elif name == "deleted":
                # Undeleting is an edit and wins; a delete of a record undeleted meanwhile loses.
                if value is False:
                    written[name] = value
                    conflicts.append(("deleted", mine.side(False), stamp.side(True)))
                else:
                    conflicts.append(("deleted", stamp.side(False), mine.side(True)))
            else:
                winner, loser = sorted([(stamp, old), (mine, value)], key=lambda side: side[0].hlc, reverse=True)
                if winner[0] is mine:
                    written[name] = value
                conflicts.append((name, winner[0].side(winner[1]), loser[0].side(loser[1])))
        edits = [name for name in incoming if name != "deleted"]
        if values.get("deleted") and "deleted" not in incoming and edits and unseen(stamps.get("deleted")):
            # An edit to a record deleted meanwhile brings it back.
            written["deleted"] = False
            conflicts.append(("deleted", mine.side(False), stamps["deleted"].side(True)))

        restamped = {name: stamp for name, stamp in restamped.items() if stamp is mine}
        touched = bool(written or restamped or conflicts)
        if touched:
            record.version = mine.version
        values.update(written)
        stamps.update({name: mine for name in (*written, *restamped)})
        return ("conflict" if conflicts else "applied"), conflicts, record.version

    def assert_database_agrees(self, rows: dict) -> None:
        """`rows`: entity -> [database row as a dict]. The database holds exactly the records the
        server's answers created, each with the predicted version, field values and stamps."""
        differ = []
        for entity in ("observation", "feedback"):
            stored = {row["id"]: row for row in rows[entity]}
            unknown = stored.keys() - {record_id for kind, record_id in self.records if kind == entity}
            differ += [(entity, record_id, "created by no op the server took") for record_id in sorted(unknown)]
            for (kind, record_id), record in self.records.items():
                if kind != entity:
                    continue
                row = stored.get(record_id)
                if row is None:
                    differ.append((entity, record_id, "missing"))
                    continue
                values = spread(entity, {name: row[name] for name in ENTITIES[entity].fields})
                packed = row["field_stamps"]
                stamps = {name: Stamp(*packed["stamps"][index]) for name, index in packed["fields"].items()}
                wrong = {name: (values.get(name), value) for name, value in record.values.items()
                         if not same(_wire(values.get(name)), value)}
                if row["version"] != record.version or stamps != record.stamps or wrong:
                    differ.append((entity, record_id, {
                        "version (database, rules)": (row["version"], record.version),
                        "values (database, rules)": wrong,
                        "stamps only in the database": {n: s for n, s in stamps.items() if record.stamps.get(n) != s},
                        "stamps only by the rules": {n: s for n, s in record.stamps.items() if stamps.get(n) != s}}))
        assert not differ, f"The database does not hold what the merge rules give: {differ}"


def _wire(value):
    """A database value in its wire form: datetimes and dates as ISO strings."""
    if isinstance(value, datetime):
        return canonical_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
