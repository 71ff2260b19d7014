"""The demo district: two schools, their people, a published template, a few hand-written
walkthroughs with feedback, and months of history before them (server/demo_history.py).

`seed_demo()` is idempotent: if the demo district exists it changes nothing and returns False.
"""
from datetime import timedelta

from sqlalchemy import select, update

from server.demo_history import HISTORY_PEOPLE, seed_history
from server.extensions import db
from server.ids import new_id
from server.models import District, EvidenceNote, Feedback, Notification, Observation, Person, School
from server.notify import after_change
from server.models.types import utcnow
from server.passwords import hash_password
from server.rounds.demo_calibration import seed_calibration
from server.sync_feed import record_changes
from server.templates import create_template, publish

DISTRICT = "Riverside Unified (demo)"
PASSWORD = "rounds-demo"

# (name, email, roles, school) ; school None = district-wide.
PEOPLE = [
    ("Maria Lopez", "principal@demo.rounds", ("observer", "admin"), "Lincoln Elementary"),
    ("Derek Chen", "ap@demo.rounds", ("observer",), "Jefferson Middle School"),
    ("Priya Nair", "peer@demo.rounds", ("observer", "teacher"), "Lincoln Elementary"),
    ("Sam Okafor", "analyst@demo.rounds", ("district_staff",), None),
    ("Jordan Blake", "admin@demo.rounds", ("admin",), None),
    ("Alice Moreno", "alice@demo.rounds", ("teacher",), "Lincoln Elementary"),
    ("Ben Turner", "ben@demo.rounds", ("teacher",), "Lincoln Elementary"),
    ("Carla Diaz", "carla@demo.rounds", ("teacher",), "Lincoln Elementary"),
    ("David Kim", "david@demo.rounds", ("teacher",), "Lincoln Elementary"),
    ("Elena Petrova", "elena@demo.rounds", ("teacher",), "Lincoln Elementary"),
    ("Farid Haddad", "farid@demo.rounds", ("teacher",), "Jefferson Middle School"),
    ("Grace Liu", "grace@demo.rounds", ("teacher",), "Jefferson Middle School"),
    ("Hector Ruiz", "hector@demo.rounds", ("teacher",), "Jefferson Middle School"),
    ("Ines Silva", "ines@demo.rounds", ("teacher",), "Jefferson Middle School"),
    ("Jamal Wright", "jamal@demo.rounds", ("teacher",), "Jefferson Middle School"),
    ("Kira Novak", "kira@demo.rounds", ("teacher",), "Jefferson Middle School"),
]

LOOKFORS = [
    {"key": "target_posted", "label": "Learning target is posted in student-friendly words", "kind": "yes_no"},
    {"key": "students_state_target", "label": "Students can say what they are learning and why",
     "kind": "scale", "levels": ["None", "A few", "Most", "All"]},
    # Stands for the observation's task_demand: the observer answers it once, in the Task pane.
    {"key": "task_demand", "label": "Cognitive demand of the task", "kind": "scale",
     "levels": ["Recall", "Skill or concept", "Strategic thinking", "Extended thinking"], "binds": "task_demand"},
    {"key": "student_questions", "label": "Questions asked by students", "kind": "count"},
    {"key": "student_talk", "label": "Time students talk about the content", "kind": "timer"},
    {"key": "checks_for_understanding", "label": "Teacher checks for understanding", "kind": "count"},
    {"key": "students_explain_reasoning", "label": "Students explain their reasoning", "kind": "yes_no"},
    {"key": "evidence_of_thinking", "label": "Evidence of student thinking", "kind": "text"},
]


def seed_demo(now=None) -> bool:
    """Create the demo district if it is not there yet; True if it was created. Its walkthroughs
    are dated before `now` (default: now), the hand-written ones in its last week."""
    if db.session.scalar(select(District).where(District.name == DISTRICT)) is not None:
        return False
    now = now or utcnow()
    # Quiet hours off, so a newcomer sees a notification arrive at any hour of their day; a real
    # district keeps the defaults (docs/notifications.md). A de-identified export suppresses
    # cells of fewer than 5 teachers rather than 10: the demo's schools have 12 teachers each.
    district = District(name=DISTRICT, timezone="America/Chicago",
                        settings={"quiet_enabled": False, "suppression_threshold": 5})
    db.session.add(district)
    db.session.flush()
    schools = {name: School(district_id=district.id, name=name)
               for name in ("Lincoln Elementary", "Jefferson Middle School")}
    db.session.add_all(schools.values())
    db.session.flush()
    password_hash = hash_password(PASSWORD)
    people = {}
    for name, email, roles, school in PEOPLE + HISTORY_PEOPLE:
        person = Person(district_id=district.id, school_id=schools[school].id if school else None,
                        name=name, email=email, password_hash=password_hash)
        person.set_roles(roles)
        people[email] = person
    db.session.add_all(people.values())
    db.session.flush()
    template = create_template(
        district.id, None, "Instructional core walkthrough",
        "When students explain their reasoning, do our tasks ask them to think, or only to recall?",
        LOOKFORS, created_by=people["admin@demo.rounds"])
    publish(template)
    history = seed_history(district, schools, people, template, now)
    history.update(seed_calibration(schools["Lincoln Elementary"], people, template, now, district.timezone))
    changes = _seed_walkthroughs(schools, people, template, now)
    # The history first, so that the hand-written walkthroughs are the feed's latest.
    record_changes({**history, **changes}, frozenset(history) | frozenset(changes))
    _seed_inbox(set(changes.values()))
    db.session.commit()
    return True


def _seed_walkthroughs(schools, people, template, now) -> dict:
    """Add the walkthroughs; returns them as change-feed entries, so that devices pull them."""
    changes = {}
    now = now.replace(second=0, microsecond=0)
    lincoln, jefferson = schools["Lincoln Elementary"], schools["Jefferson Middle School"]
    walkthroughs = [
        (lincoln, "alice@demo.rounds", "principal@demo.rounds", 6, "3", "Math", "submitted",
         {"released": True, "read": True, "acknowledged": True}),
        (lincoln, "ben@demo.rounds", "peer@demo.rounds", 3, "4", "Reading", "submitted",
         {"released": True, "read": True}),
        (jefferson, "farid@demo.rounds", "ap@demo.rounds", 2, "7", "Science", "submitted", {"released": False}),
        (jefferson, "grace@demo.rounds", "ap@demo.rounds", 0, "8", "Math", "draft", None),
    ]
    for school, teacher, observer, days_ago, grade, subject, status, feedback in walkthroughs:
        started = now - timedelta(days=days_ago, hours=2)
        observation = Observation(
            id=new_id(), school_id=school.id, teacher_id=people[teacher].id,
            observer_id=people[observer].id, template_id=template.id, template_version=template.version,
            started_at=started, ended_at=started + timedelta(minutes=15), grade=grade, subject=subject,
            segment="Small-group work", students_present=24,
            teacher_doing="Circulates between groups; asks 'How do you know?' at three tables.",
            students_doing="Pairs compare two solution strategies and record which is more efficient.",
            task="Compare two strategies for the same problem and justify the choice in writing.",
            task_demand="Strategic thinking",
            lookfors={"target_posted": True, "students_state_target": "Most", "student_questions": 4,
                      "student_talk": 410, "students_explain_reasoning": True},
            status=status)
        db.session.add(observation)
        db.session.flush()
        changes[("observation", observation.id)] = observation.id
        notes = [("teacher", "T: 'Convince your partner your way works.'", 2, False),
                 ("students", "S1 to S2: 'I split 48 into 40 and 8 because tens are easier.'", 5, False),
                 ("task", "Worksheet asks for one answer and one sentence of reasoning.", 7, False),
                 ("students", "Most pairs seemed confident with the strategy.", 11, True)]
        for element, text, minute, inference in notes:
            note = EvidenceNote(id=new_id(), observation_id=observation.id, author_id=observation.observer_id,
                                element=element, text=text, at=started + timedelta(minutes=minute),
                                is_inference=inference)
            db.session.add(note)
            changes[("note", note.id)] = observation.id
        if feedback is not None:
            item = _seed_feedback(observation, started, **feedback)
            changes[("feedback", item.id)] = observation.id
    return changes


def _seed_feedback(observation, started, released, read=False, acknowledged=False) -> Feedback:
    item = Feedback(
        id=new_id(), observation_id=observation.id,
        glow="Your question 'How do you know?' got pairs to justify, not just answer.",
        wonder="What would change if the worksheet asked students to compare strategies in writing?",
        next_step="Add a 'which strategy and why' prompt to tomorrow's exit ticket.",
        support_commitment="I will cover your class for 20 minutes so you can watch Room 14's routine.",
        support_due=(started + timedelta(days=10)).date(), released=released)
    if read:
        item.read_at = started + timedelta(hours=20)
    if acknowledged:
        item.acknowledged_at = started + timedelta(days=1)
        item.reflection = "The pairs talked more than I expected; I'll try the exit-ticket prompt."
        item.usefulness = 4
    db.session.add(item)
    db.session.flush()
    return item


def _seed_inbox(observation_ids: set) -> None:
    """What the walkthroughs above would have notified (and their commitments), as sync writes
    them; what the seeded teachers already read is read in their inbox too."""
    after_change(observation_ids)
    read = select(Feedback.observation_id).where(Feedback.read_at.is_not(None))
    db.session.execute(update(Notification).where(Notification.observation_id.in_(read),
                                                  Notification.kind == "feedback_released")
                       .values(read_at=utcnow()))


def demo_logins() -> list[tuple[str, str, str]]:
    """(email, password, who) for the people worth signing in as."""
    return [(email, PASSWORD, f"{name}: {', '.join(roles)}" + (f" at {school}" if school else ", district-wide"))
            for name, email, roles, school in PEOPLE[:6]]
