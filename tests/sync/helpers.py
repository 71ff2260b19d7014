"""A simulated tablet for sync tests: it enrols, stamps ops with its own clock and seq, pushes
and pulls through the real API, and keeps the records it has pulled."""
import itertools
import uuid

from sync.hlc import Clock, now_ms

_wall = itertools.count(now_ms(), 7)


class Tablet:
    def __init__(self, api, name="tablet"):
        self.api = api
        enrolled = api.post("/api/devices", json={"name": name}).get_json()
        self.device_id, self.token = enrolled["device_id"], enrolled["token"]
        self.clock = Clock(self.device_id, physical=lambda: next(_wall))
        self.seq = 0
        self.outbox = []
        self.records = {}
        self.cursor = 0
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def op(self, entity, record_id, fields, base_version=None, **extra):
        """Queue an op; base_version defaults to the version this tablet last pulled."""
        self.seq += 1
        if base_version is None:
            base_version = self.records.get((entity, record_id), {}).get("version", 0)
        op = {"op_id": str(uuid.uuid4()), "seq": self.seq, "entity": entity, "record_id": record_id,
              "base_version": base_version, "hlc": self.clock.tick(), "fields": fields, **extra}
        self.outbox.append(op)
        return op

    def create_observation(self, school_id, teacher_id, observer_id, **fields):
        record_id = str(uuid.uuid4())
        self.op("observation", record_id, {"school_id": school_id, "teacher_id": teacher_id,
                                           "observer_id": observer_id, **fields})
        return record_id

    def push_raw(self, ops):
        return self.api.client.post("/api/sync/push", json={"device_id": self.device_id, "ops": ops},
                                    headers=self.headers)

    def push(self):
        """Push the whole outbox; drop what the server acknowledged."""
        response = self.push_raw(self.outbox)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        self.clock.observe(body["server_time"])
        self.outbox = [op for op in self.outbox if op["seq"] > body["acked_seq"]]
        return body

    def pull(self, limit=500):
        pages = []
        while True:
            response = self.api.client.get(f"/api/sync/pull?cursor={self.cursor}&limit={limit}", headers=self.headers)
            assert response.status_code == 200, response.get_json()
            body = response.get_json()
            self.clock.observe(body["server_time"])
            pages.append(body)
            for change in body["changes"]:
                key = (change["entity"], change["record_id"])
                if change.get("gone"):
                    self.records.pop(key, None)
                else:
                    self.records[key] = change
            self.cursor = body["cursor"]
            if not body["has_more"]:
                return pages

    def sync(self):
        body = self.push()
        self.pull()
        return body
