"""The demo district's calibration visits: Maria Lopez (principal) and Priya Nair (peer observer)
co-observed two Lincoln lessons last school day, each on her own tablet, and both submitted, so
My calibration and the district's calibration view have figures to show (docs/calibration.md).

Each walkthrough is an ordinary one of the demo's history (its teacher's own grade and subject,
a few notes, feedback the teacher read and rated), linked by its co_observation_id.
"""
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from server.extensions import db
from server.ids import new_id
from server.loop_settings import local_moment
from server.models import EvidenceNote, Feedback, Observation

OBSERVERS = ("principal@demo.rounds", "peer@demo.rounds")
# (teacher, grade, subject, start, {observer: (task_demand, look-fors)}): they agree on some look-fors
# and read others differently ("Most" against "A few"), as a first calibration visit does.
LESSONS = [
    ("carla@demo.rounds", "K", "Reading", time(9, 10), {
        "principal@demo.rounds": ("Skill or concept", {
            "target_posted": True, "students_state_target": "Most", "student_questions": 3, "student_talk": 240,
            "checks_for_understanding": 4, "students_explain_reasoning": True}),
        "peer@demo.rounds": ("Skill or concept", {
            "target_posted": True, "students_state_target": "A few", "student_questions": 5, "student_talk": 300,
            "checks_for_understanding": 3, "students_explain_reasoning": False}),
    }),
    ("david@demo.rounds", "1", "Math", time(10, 30), {
        "principal@demo.rounds": ("Strategic thinking", {
            "target_posted": False, "students_state_target": "All", "student_questions": 6, "student_talk": 420,
            "checks_for_understanding": 5, "students_explain_reasoning": True}),
        "peer@demo.rounds": ("Strategic thinking", {
            "target_posted": False, "students_state_target": "Most", "student_questions": 6, "student_talk": 380,
            "checks_for_understanding": 5, "students_explain_reasoning": True}),
    }),
]
NOTES = [("teacher", "T: 'Show your partner how you know.'", 2),
         ("students", "Two pairs point to the anchor chart while they explain.", 6),
         ("task", "Sort the cards into two groups and say the rule.", 9)]


def seed_calibration(school, people, template, now, zone) -> dict:
    """Add the co-observed walkthroughs, on the last weekday before `now` in `zone` (the
    district's time zone name); returns them as change-feed entries."""
    day = now.astimezone(ZoneInfo(zone)).date() - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    changes = {}
    for teacher, grade, subject, start, answers in LESSONS:
        co_observation_id = new_id()
        started = local_moment(day, start, zone)
        for observer in OBSERVERS:
            task_demand, lookfors = answers[observer]
            observation = Observation(
                id=new_id(), school_id=school.id, teacher_id=people[teacher].id, observer_id=people[observer].id,
                template_id=template.id, template_version=template.version, started_at=started,
                ended_at=started + timedelta(minutes=15), grade=grade, subject=subject, segment="Whole-class lesson",
                students_present=20, teacher_doing="Models the first card sort, then asks pairs for their rule.",
                students_doing="Pairs sort cards and tell each other the rule they used.",
                task="Sort the cards and explain the rule.", task_demand=task_demand, lookfors=lookfors,
                status="submitted", shared_at=started + timedelta(minutes=20), co_observation_id=co_observation_id)
            db.session.add(observation)
            db.session.flush()
            changes[("observation", observation.id)] = observation.id
            for element, text, minute in NOTES:
                note = EvidenceNote(id=new_id(), observation_id=observation.id, author_id=observation.observer_id,
                                    element=element, text=text, at=started + timedelta(minutes=minute))
                db.session.add(note)
                changes[("note", note.id)] = observation.id
            feedback = Feedback(
                id=new_id(), observation_id=observation.id, glow="Pairs told each other their sorting rule.",
                wonder="What if each pair had to find a card that breaks their rule?",
                next_step="Ask one pair to share a rule that did not work, and why.", released=True,
                released_at=started + timedelta(hours=2),
                read_at=started + timedelta(hours=3), acknowledged_at=started + timedelta(hours=4),
                reflection="I'll try the card that breaks the rule tomorrow.", usefulness=4)
            db.session.add(feedback)
            db.session.flush()
            changes[("feedback", feedback.id)] = observation.id
    return changes
