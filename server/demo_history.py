"""The demo district's past: fourteen weeks of submitted walkthroughs at both schools, so that a
district analyst has coverage, look-for distributions, feedback-loop health and task demand over
months to study.

`seed_history(district, schools, people, template, now)` writes it and returns its records as
change-feed entries, so that devices pull them like any walkthrough. It is deterministic: one
`random.Random(SEED)` draws everything, and every moment is placed on the school days before the
local date of `now`, so the demo always looks current and two seeds on one day write the same
history (record ids aside).

History is old news. It writes no notification about what happened in it (no "new feedback", no
push delivery), and nothing in it gives the reminder sweep (server.reminders) work that reaches
the demo's own people: their feedback is acknowledged and their commitments kept before today.
What is still open belongs to the generated colleagues (HISTORY_PEOPLE): a teacher who has not
acknowledged, a coach's overdue commitment. Whatever reminder of theirs is due already went out in
an earlier morning's digest, read, so the sweep finds nothing new; the next ones come days later.
"""
import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update

from server.demo_words import (EVIDENCE, FEEDBACK, KEPT_NOTES, NOTES, REFLECTIONS, SEGMENTS, STUDENTS_DOING, TASKS,
                               TEACHER_DOING, TOPICS)
from server.extensions import db
from server.ids import new_id
from server.loop_settings import clock, is_school_day, local_moment, school_days_before, settings_of
from server.models import EvidenceNote, Feedback, Notification, Observation, SupportCommitment
from server.notify import notify
from server.reminders import OpenItem, reminders_for

SEED = 11
WEEKS = 14  # full weeks before this one; this week's school days before today come too
LINCOLN, JEFFERSON = "Lincoln Elementary", "Jefferson Middle School"
# Visits a school day, on average (a week's own pace and the testing week vary it).
PACE = {LINCOLN: 1.45, JEFFERSON: 1.5}
TESTING_WEEK = 6  # weeks back: state testing, few visits

# Colleagues the demo people work with, in PEOPLE's shape (name, email, roles, school).
HISTORY_PEOPLE = [
    ("Monica Reyes", "monica@demo.rounds", ("observer",), LINCOLN),
    ("Hannah Brooks", "hannah@demo.rounds", ("teacher",), LINCOLN),
    ("Luis Ortega", "luis@demo.rounds", ("teacher",), LINCOLN),
    ("Megan O'Neill", "megan@demo.rounds", ("teacher",), LINCOLN),
    ("Samuel Adeyemi", "samuel@demo.rounds", ("teacher",), LINCOLN),
    ("Tanya Kowalski", "tanya@demo.rounds", ("teacher",), LINCOLN),
    ("Omar Siddiqui", "omar@demo.rounds", ("teacher",), LINCOLN),
    ("Paul Anderson", "paul@demo.rounds", ("observer",), JEFFERSON),
    ("Nora Whitfield", "nora@demo.rounds", ("teacher",), JEFFERSON),
    ("Victor Mendes", "victor@demo.rounds", ("teacher",), JEFFERSON),
    ("Aisha Rahman", "aisha@demo.rounds", ("teacher",), JEFFERSON),
    ("Patrick Doyle", "patrick@demo.rounds", ("teacher",), JEFFERSON),
    ("Yuki Tanaka", "yuki@demo.rounds", ("teacher",), JEFFERSON),
    ("Lena Fischer", "lena@demo.rounds", ("teacher",), JEFFERSON),
]
GENERATED = frozenset(email for _name, email, _roles, _school in HISTORY_PEOPLE)

# Each teacher's class: a grade and the subjects they teach (by subject at the middle school).
CLASSES = {
    "alice@demo.rounds": ("3", ("Math", "Reading")), "ben@demo.rounds": ("4", ("Reading", "Writing")),
    "carla@demo.rounds": ("K", ("Reading", "Math")), "david@demo.rounds": ("1", ("Math", "Science")),
    "elena@demo.rounds": ("2", ("Reading", "Writing")), "peer@demo.rounds": ("5", ("Math", "Science")),
    "hannah@demo.rounds": ("K", ("Math", "Reading")), "luis@demo.rounds": ("1", ("Reading", "Writing")),
    "megan@demo.rounds": ("2", ("Math", "Science")), "samuel@demo.rounds": ("3", ("Science", "Social Studies")),
    "tanya@demo.rounds": ("4", ("Math", "Science")), "omar@demo.rounds": ("5", ("Reading", "Social Studies")),
    "farid@demo.rounds": ("7", ("Science",)), "grace@demo.rounds": ("8", ("Math",)),
    "hector@demo.rounds": ("6", ("Social Studies", "English")), "ines@demo.rounds": ("7", ("English",)),
    "jamal@demo.rounds": ("8", ("Science",)), "kira@demo.rounds": ("6", ("Math", "Science")),
    "nora@demo.rounds": ("6", ("English",)), "victor@demo.rounds": ("7", ("Math",)),
    "aisha@demo.rounds": ("8", ("English",)), "patrick@demo.rounds": ("8", ("Social Studies",)),
    "yuki@demo.rounds": ("6", ("Science",)), "lena@demo.rounds": ("7", ("Spanish",)),
}
# Teachers nobody has visited, and teachers last visited months ago: Coverage lists them.
NEVER_VISITED = frozenset({"omar@demo.rounds", "patrick@demo.rounds"})
RARELY_VISITED = frozenset({"luis@demo.rounds", "lena@demo.rounds"})
# The hand-written walkthroughs of server/demo.py stay these teachers' latest.
SHOWCASED = frozenset({"alice@demo.rounds", "ben@demo.rounds", "farid@demo.rounds", "grace@demo.rounds"})
DEMAND = ("Recall", "Skill or concept", "Strategic thinking", "Extended thinking")
# Task demand, oldest month to latest: the district's focus on thinking shows, a little.
DEMAND_THEN, DEMAND_NOW = (0.34, 0.40, 0.21, 0.05), (0.18, 0.40, 0.31, 0.11)


@dataclass(frozen=True)
class Style:
    """How an observer works: their school and share of its visits, hours to release feedback
    (weighted bands), the share of notes they mark as inference, and teachers' ratings (1 to 5)."""

    school: str
    share: float
    release_hours: tuple
    inference: float
    ratings: tuple


OBSERVERS = {
    "principal@demo.rounds": Style(LINCOLN, 0.45, ((3, 2, 8), (4, 16, 30), (2, 40, 80), (1, 100, 200)), 0.15,
                                   (4, 8, 25, 38, 25)),
    "monica@demo.rounds": Style(LINCOLN, 0.35, ((6, 1, 6), (3, 16, 26), (1, 40, 70)), 0.11, (2, 5, 18, 40, 35)),
    "peer@demo.rounds": Style(LINCOLN, 0.20, ((2, 3, 8), (4, 18, 30), (3, 40, 100)), 0.25, (3, 7, 20, 35, 35)),
    "ap@demo.rounds": Style(JEFFERSON, 0.55, ((1, 3, 8), (3, 18, 30), (4, 40, 100), (2, 110, 220)), 0.20,
                            (8, 15, 30, 32, 15)),
    "paul@demo.rounds": Style(JEFFERSON, 0.45, ((5, 1, 6), (4, 16, 30), (1, 40, 70)), 0.13, (3, 8, 22, 40, 27)),
}
# An open item older than this has every reminder it will get; one younger has none due yet.
SPENT_AFTER, NONE_DUE_BEFORE = timedelta(days=10), timedelta(days=1)
OPEN_DUE_AHEAD = timedelta(days=2)


def seed_history(district, schools: dict, people: dict, template, now: datetime) -> dict:
    """Add the history (people must include HISTORY_PEOPLE); returns {(entity, id): observation id}."""
    return _History(district, schools, people, template, now).write()


class _History:
    def __init__(self, district, schools, people, template, now):
        self.schools, self.people, self.template = schools, people, template
        self.zone, self.settings = district.timezone, settings_of(district)
        self.today = now.astimezone(ZoneInfo(self.zone)).date()
        # Everything in the history happened before today began, wherever `now` falls in it.
        self.cutoff = local_moment(self.today, time(0), self.zone)
        self.now = now
        self.changes, self.open_items = {}, []

    def write(self) -> dict:
        rng = random.Random(SEED)
        days = self._school_days()
        paces = {school: [rng.uniform(0.6, 1.35) for _week in range(WEEKS + 1)] for school in PACE}
        for school in PACE:
            paces[school][TESTING_WEEK] = 0.25
        for week, day in days:
            for school, pace in PACE.items():
                for _visit in range(_poisson(rng, pace * paces[school][week])):
                    # A visit of its own generator: whatever one visit draws, the next is the same.
                    self._visit(random.Random(rng.getrandbits(64)), school, day)
        db.session.flush()
        self._spend_reminders()
        return self.changes

    def _school_days(self) -> list[tuple[int, date]]:
        """(weeks back, day) of the school days of this week before today and of the WEEKS
        weeks before it, oldest first."""
        monday = self.today - timedelta(days=self.today.weekday())
        days = [(week, monday - timedelta(weeks=week, days=-weekday))
                for week in range(WEEKS, -1, -1) for weekday in range(7)]
        return [(week, day) for week, day in days if day < self.today and is_school_day(day, self.settings)]

    def _visit(self, r: random.Random, school: str, day: date) -> None:
        observer = _weighted(r, {email: style.share for email, style in OBSERVERS.items() if style.school == school})
        style = OBSERVERS[observer]
        teachers = {email: _visit_weight(email, (self.today - day).days) for email, person in self.people.items()
                    if email in CLASSES and email != observer and person.school_id == self.schools[school].id}
        teacher = _weighted(r, teachers)
        grade, subjects = CLASSES[teacher]
        subject = r.choice(subjects)
        topic = r.choice(TOPICS[subject])
        progress = 1 - (self.today - day).days / (7 * WEEKS + 7)  # from about 0, months ago, to 1, yesterday
        level = _weighted(r, dict(enumerate(_between(DEMAND_THEN, DEMAND_NOW, progress))))
        minutes = r.randint(10, 20)
        started = local_moment(day, _school_time(r), self.zone)
        ended = started + timedelta(minutes=minutes)
        observation = Observation(
            id=new_id(), school_id=self.schools[school].id, teacher_id=self.people[teacher].id,
            observer_id=self.people[observer].id, template_id=self.template.id,
            template_version=self.template.version, started_at=started, ended_at=ended, grade=grade,
            subject=subject, segment=r.choice(SEGMENTS),
            students_present=r.randint(17, 26) if school == LINCOLN else r.randint(21, 31),
            teacher_doing=r.choice(TEACHER_DOING[level >= 2]), students_doing=r.choice(STUDENTS_DOING[level >= 2]),
            task=r.choice(TASKS[level]).format(topic=topic), task_demand=DEMAND[level],
            lookfors=_lookfors(r, level, progress, minutes), status="submitted",
            shared_at=ended + timedelta(minutes=r.randint(2, 40)), created_at=started, updated_at=ended)
        db.session.add(observation)
        self.changes[("observation", observation.id)] = observation.id
        self._notes(r, observation, style, progress, minutes)
        self._feedback(r, observation, style, teacher, observer)

    def _notes(self, r, observation, style, progress, minutes) -> None:
        count = r.choice((2, 3, 3, 4))
        elements = r.choices(("teacher", "students", "task", "structure"), weights=(4, 5, 3, 1), k=count)
        at = sorted(r.sample(range(1, minutes), count))
        chance = style.inference * (1.3 - 0.6 * progress)  # fewer inferences as the year goes on
        used = set()
        for element, minute in zip(elements, at):
            inference = r.random() < chance
            pool = [text for text in NOTES["inference" if inference else element] if text not in used]
            text = r.choice(pool)
            used.add(text)
            moment = observation.started_at + timedelta(minutes=minute, seconds=r.randint(0, 59))
            note = EvidenceNote(id=new_id(), observation_id=observation.id, author_id=observation.observer_id,
                                element=element, text=text, at=moment, is_inference=inference, created_at=moment)
            db.session.add(note)
            self.changes[("note", note.id)] = observation.id

    def _feedback(self, r, observation, style, teacher, observer) -> None:
        """Feedback as the loop went: released after hours or days, read, acknowledged and rated,
        a support commitment kept on time or late; the demo people's all closed before today."""
        fate, (low, high) = r.random(), _weighted(r, {band[1:]: band[0] for band in style.release_hours})
        release, read, acknowledge = r.uniform(low, high), r.uniform(0.3, 30), r.uniform(0.2, 48)
        reads, acknowledges, rates, reflects = r.random() < 0.94, r.random() < 0.7, r.random() < 0.72, r.random()
        rating = _weighted(r, dict(zip(range(1, 6), style.ratings)))
        commits, due_in, kept_early, late_by = r.random() < 0.6, r.randint(4, 14), r.randint(0, 3), r.randint(1, 6)
        on_time, requests, drops, confirm = r.random() < 0.7, r.random() < 0.3, r.random() < 0.3, r.random()
        words = {part: r.choice(options) for part, options in FEEDBACK.items()}
        if fate < 0.06:
            return  # no feedback written
        ended = observation.ended_at
        released_at = ended + timedelta(hours=release)
        item = Feedback(id=new_id(), observation_id=observation.id, glow=words["glow"], wonder=words["wonder"],
                        next_step=words["next_step"], created_at=ended + timedelta(minutes=20))
        if commits:
            item.support_commitment = words["support_commitment"]
            item.support_due = _school_day_on_or_after(released_at.astimezone(ZoneInfo(self.zone)).date()
                                                       + timedelta(days=due_in), self.settings)
        db.session.add(item)
        self.changes[("feedback", item.id)] = observation.id
        item.released = fate >= 0.13 and released_at < self.cutoff
        item.updated_at = item.created_at
        if not item.released:
            return  # a draft the observer has not released
        item.released_at = item.updated_at = released_at
        room = self.cutoff - released_at  # time between the release and today
        read_at = released_at + timedelta(hours=read)
        acknowledged_at = read_at + timedelta(hours=acknowledge)
        # A generated teacher may leave it unacknowledged: long ago (every reminder already went
        # out) or since yesterday (none due yet); the demo's own teachers have acknowledged theirs.
        closes = teacher not in GENERATED or (acknowledges and acknowledged_at < self.cutoff) or (
            NONE_DUE_BEFORE < room < SPENT_AFTER)
        if closes:
            if acknowledged_at >= self.cutoff:
                read_at, acknowledged_at = released_at + room * 0.3, released_at + room * 0.6
            item.read_at, item.acknowledged_at = read_at, acknowledged_at
            item.updated_at = acknowledged_at
            item.usefulness = rating if rates else None
            item.reflection = r.choice(REFLECTIONS) if reflects < 0.55 else ""
        elif reads and read_at < self.cutoff:
            item.read_at = read_at
        commitment = self._commitment(r, observation, item, observer, (kept_early, on_time, late_by, requests,
                                                                          drops, confirm))
        if commitment is not None or item.acknowledged_at is None:
            self.open_items.append((observation, item, commitment))

    def _commitment(self, r, observation, item, observer, draws):
        """The support commitment row of released feedback that promises support (as the sync
        push keeps it, server.notify), kept on time or late; a coach's may be overdue or open.
        Returns it if it is still open, else None."""
        if not item.support_commitment:
            return None
        kept_early, on_time, late_by, requests, drops, confirm = draws
        due = item.support_due
        released_day = item.released_at.astimezone(ZoneInfo(self.zone)).date()
        kept_day = (max(released_day + timedelta(days=1), due - timedelta(days=kept_early)) if on_time
                    else due + timedelta(days=late_by))
        kept_at = local_moment(kept_day, time(15, 30), self.zone)
        overdue = observer in GENERATED and drops and due <= self.today - SPENT_AFTER
        if overdue:
            kept_at = None
        elif kept_at >= self.cutoff:
            if observer in GENERATED and due >= self.today + OPEN_DUE_AHEAD:
                kept_at = None  # open, and not due in the coming days
            else:
                kept_at = item.released_at + (self.cutoff - item.released_at) * 0.8
        if requests and (kept_at is not None or overdue):
            until = kept_at or local_moment(due, time(8), self.zone)
            item.support_requested_at = item.released_at + (until - item.released_at) * 0.4
        if kept_at is not None:
            item.support_kept_at, item.support_kept_note = kept_at, r.choice(KEPT_NOTES)
            item.support_confirmed = "yes" if confirm < 0.55 else "no" if confirm < 0.6 else None
            item.updated_at = max(item.updated_at, kept_at)
        row = SupportCommitment(
            id=new_id(), feedback_id=item.id, observer_id=observation.observer_id, teacher_id=observation.teacher_id,
            description=item.support_commitment, due_on=due, requested_at=item.support_requested_at,
            kept_at=item.support_kept_at, kept_note=item.support_kept_note or "", confirmed=item.support_confirmed,
            created_at=item.released_at)
        db.session.add(row)
        return row if kept_at is None else None

    def _spend_reminders(self) -> None:
        """The reminders due now on the history's open items, as an earlier morning's digest sent
        them and the person read them: the sweep then has nothing new to write."""
        spent_on = school_days_before(self.today, 1, self.settings)  # before today: `at` is past
        at = local_moment(spent_on, clock(self.settings["digest_at"]), self.zone)
        sent = {}
        for observation, item, commitment in self.open_items:
            promise = {} if commitment is None else {
                "due_on": commitment.due_on, "requested_at": commitment.requested_at, "kept_at": None,
                "has_commitment": True}
            open_item = OpenItem(observation.id, observation.teacher_id, observation.observer_id, item.released_at,
                                 item.acknowledged_at, **promise)
            for kind, subject, recipient, ordinal in sorted(reminders_for(open_item, self.now, self.zone,
                                                                          self.settings)):
                reminder = notify(kind, subject, recipient, observation_id=subject, ordinal=ordinal, push=False,
                                  now=at)
                sent.setdefault(recipient, []).append(reminder)
        for recipient, reminders in sorted(sent.items()):
            digest = notify("digest", f"digest:{recipient}:{spent_on.isoformat()}", recipient, push=False, now=at)
            db.session.execute(update(Notification).where(Notification.id.in_(reminders)).values(digest_id=digest))
            db.session.execute(update(Notification).where(Notification.id.in_([*reminders, digest]))
                               .values(read_at=at + timedelta(hours=1)))


def _visit_weight(teacher: str, days_ago: int) -> float:
    """How likely a teacher is chosen for a visit `days_ago` days before today."""
    if teacher in NEVER_VISITED:
        return 0.0
    if teacher in RARELY_VISITED:
        return 0.6 if days_ago > 70 else 0.0
    if teacher in SHOWCASED and days_ago <= 7:
        return 0.0
    return 1.0


def _lookfors(r: random.Random, level: int, progress: float, minutes: int) -> dict:
    """Answers to the demo template's look-fors (task_demand is the observation's own field)."""
    posted = r.random() < 0.6 + 0.2 * progress
    states = (8, 30, 42, 20) if posted else (30, 40, 22, 8)
    answers = {
        "target_posted": posted,
        "students_state_target": ("None", "A few", "Most", "All")[_weighted(r, dict(enumerate(states)))],
        "student_questions": min(15, int(r.gammavariate(1.5 + level, 1.2))),
        "student_talk": min(minutes * 60, int(r.triangular(40, 260 + 130 * level, 90 + 100 * level))),
        "checks_for_understanding": r.randint(0, 2) + r.randint(0, 3) + (level >= 2),
        "students_explain_reasoning": r.random() < (0.15, 0.4, 0.72, 0.85)[level],
        "evidence_of_thinking": r.choice(EVIDENCE[level >= 2]),
    }
    skipped = [key for key in answers if r.random() < (0.35 if key == "evidence_of_thinking" else 0.04)]
    return {key: value for key, value in answers.items() if key not in skipped}


def _school_time(r: random.Random) -> time:
    """A moment of the school day, 8:10 to 14:40, on a five-minute mark."""
    minutes = 8 * 60 + 10 + 5 * r.randrange(79)
    return time(minutes // 60, minutes % 60)


def _school_day_on_or_after(day: date, settings: dict) -> date:
    while not is_school_day(day, settings):
        day += timedelta(days=1)
    return day


def _between(then: tuple, now: tuple, progress: float) -> tuple:
    return tuple(a + (b - a) * progress for a, b in zip(then, now))


def _weighted(r: random.Random, weights: dict):
    """One key of `weights`, drawn in proportion to its weight (keys in their given order)."""
    return r.choices(list(weights), weights=list(weights.values()))[0]


def _poisson(r: random.Random, mean: float) -> int:
    """A count of visits with this mean (Knuth's method: fine for small means)."""
    limit, count, product = math.exp(-mean), 0, r.random()
    while product > limit:
        count += 1
        product *= r.random()
    return count
