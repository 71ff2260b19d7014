"""A district to export (two schools, a template, observations of every kind) and readers of what
an export answers: CSV, JSON Lines and the zip data package."""
import csv
import io
import json
import uuid
import zipfile
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import insert

from server.extensions import db
from server.models import EvidenceNote, Feedback, LookFor, LookForTemplate, Observation

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)  # 09:00 in Chicago


class ExportWorld:
    """District One (Chicago) with Lincoln and Grant, and District Two; people of every role."""

    def __init__(self, make):
        self.district = make.district("District One")
        self.lincoln = make.school(self.district, "Lincoln")
        self.grant = make.school(self.district, "Grant")
        self.other_district = make.district("District Two")
        self.far_school = make.school(self.other_district, "Far")
        self.teacher = make.person("teacher", school=self.lincoln, name="Alice Moreno")
        self.grant_teacher = make.person("teacher", school=self.grant, name="Ben Turner")
        self.observer = make.person("observer", school=self.lincoln, name="Maria Lopez")
        self.grant_observer = make.person("observer", school=self.grant, name="Derek Chen")
        self.staff = make.person("district_staff", district=self.district, name="Sam Okafor")
        self.lincoln_staff = make.person("district_staff", school=self.lincoln)
        self.other_staff = make.person("district_staff", district=self.other_district)
        self.school_admin = make.person("admin", school=self.lincoln)
        self.district_admin = make.person("admin", district=self.district)
        self.other_admin = make.person("admin", district=self.other_district)
        self.far_teacher = make.person("teacher", school=self.far_school)
        self.far_observer = make.person("observer", school=self.far_school)
        self.template = self.make_template()

    def make_template(self, district=None) -> str:
        """A published template (version 2) of `district` (District One by default); its id."""
        district = district or self.district
        template = LookForTemplate(family_id=str(uuid.uuid4()), version=2, district_id=district.id,
                                   name="Core walkthrough", status="published", published_at=T0)
        template.lookfors = [
            LookFor(position=0, key="target_posted", label="Target posted", kind="yes_no"),
            LookFor(position=1, key="turns", label="Student talk turns", kind="count"),
            LookFor(position=2, key="demand", label="Task demand", kind="scale", binds="task_demand",
                    levels=["Recall", "Skill or concept", "Strategic thinking", "Extended thinking"]),
            LookFor(position=3, key="note", label="Anything else", kind="text"),
        ]
        db.session.add(template)
        db.session.commit()
        return template.id

    def observation(self, school=None, teacher=None, observer=None, status="submitted", deleted=False,
                    started=T0, notes=(), feedback=None, **fields) -> str:
        school = school or self.lincoln
        teacher = teacher or (self.teacher if school is self.lincoln else
                              self.grant_teacher if school is self.grant else self.far_teacher)
        observer = observer or (self.observer if school is self.lincoln else
                                self.grant_observer if school is self.grant else self.far_observer)
        record = Observation(id=str(uuid.uuid4()), school_id=school.id, teacher_id=teacher.id,
                             observer_id=observer.id, started_at=started, status=status, deleted=deleted,
                             **fields)
        db.session.add(record)
        for i, text in enumerate(notes):
            db.session.add(EvidenceNote(id=str(uuid.uuid4()), observation_id=record.id, author_id=observer.id,
                                        element="students", text=text, at=started + timedelta(minutes=i),
                                        is_inference=i % 2 == 1))
        if feedback is not None:
            db.session.add(Feedback(id=str(uuid.uuid4()), observation_id=record.id, **feedback))
        db.session.commit()
        return record.id

    def many_observations(self, count: int, **fields) -> list[str]:
        """`count` submitted Lincoln observations a minute apart, inserted in one statement."""
        defaults = dict(school_id=self.lincoln.id, teacher_id=self.teacher.id, observer_id=self.observer.id,
                        status="submitted", deleted=False, shared_at=T0, lookfors={}, field_stamps={}, version=1,
                        teacher_doing="", students_doing="", task="", created_at=T0, updated_at=T0)
        rows = [{**defaults, **fields, "id": str(uuid.uuid4()), "started_at": T0 + timedelta(minutes=i)}
                for i in range(count)]
        db.session.execute(insert(Observation), rows)
        db.session.commit()
        return [row["id"] for row in rows]

    def full_observation(self, **overrides) -> str:
        """A submitted Lincoln observation with every kind of value."""
        values = dict(template_id=self.template, template_version=2, ended_at=T0 + timedelta(minutes=12),
                      grade="4", subject="Math", segment="Work time", students_present=24,
                      teacher_doing="Asks \"why?\", then waits", students_doing="Pairs explain, line one\nline two",
                      task="Compare 3/4 and 5/8 — déjà vu ✓", task_demand="Strategic thinking",
                      lookfors={"target_posted": True, "turns": 7, "note": "Calm, focused", "gone": None},
                      notes=("S: 'because the tens'", "=HYPERLINK(\"http://evil\")"),
                      feedback=dict(glow="Good questions", wonder="What if…?", next_step="-Wait longer",
                                    support_commitment="I model it Tuesday", support_due=date(2026, 3, 10),
                                    released=True, acknowledged_at=T0 + timedelta(days=1),
                                    read_at=T0 + timedelta(hours=20), reflection="+1, useful", usefulness=4,
                                    support_requested_at=T0 + timedelta(days=2),
                                    support_kept_at=T0 + timedelta(days=7), support_kept_note="@done",
                                    support_confirmed="yes"))
        values.update(overrides)
        return self.observation(**values)


def csv_rows(data: bytes) -> list[dict]:
    text = data.decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def jsonl_rows(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode("utf-8").split("\n") if line]


def zip_tables(data: bytes) -> tuple[dict, dict]:
    """({table name: rows}, datapackage) of a zip data package."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        package = json.loads(archive.read("datapackage.json"))
        tables = {resource["name"]: csv_rows(archive.read(resource["path"])) for resource in package["resources"]}
    return tables, package
