"""The feedback loop's outbox, through the real sync API: notifications written in the push's own
transaction, once per (kind, subject, recipient) however often a push is replayed; support
commitments kept from synced feedback; the inbox in words and only the caller's own; push
subscriptions tied to the caller's device, with endpoints the server must not POST to refused."""
import uuid
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from server.extensions import db
from server.models import Notification, PushDelivery, PushSubscription, School, SupportCommitment
from server.push_endpoints import endpoint_problem
from tests.sync.helpers import Tablet

NOW = "2026-11-30T15:00:00Z"
PUBLIC = "https://8.8.8.8/push/"


def keys():
    return {"p256dh": "B" + "A" * 86, "auth": "A" * 22}


@pytest.fixture
def lincoln(make):
    district = make.district("Loop District")
    # Quiet hours off: these tests are about what is written, not when it is pushed.
    district.settings = {"quiet_enabled": False}
    school = make.school(district, "Lincoln")
    observer = make.person("observer", school=school, name="Maria Lopez")
    teacher = make.person("teacher", school=school, name="Alice Moreno")
    other = make.district("Elsewhere")
    db.session.commit()
    return {"school": school, "observer": observer, "teacher": teacher,
            "stranger": make.person("teacher", "observer", school=make.school(other, "Far")),
            "peer": make.person("teacher", school=school, name="Priya Nair")}


def rows(model, *where):
    db.session.rollback()
    return db.session.scalars(select(model).where(*where)).all()


def submitted(tablet, lincoln, feedback=None):
    """The observer's tablet submits a walkthrough with released feedback; (observation, feedback) ids."""
    observation = tablet.create_observation(lincoln["school"].id, lincoln["teacher"].id, lincoln["observer"].id,
                                            grade="3", subject="Math", status="submitted")
    feedback_id = str(uuid.uuid4())
    tablet.op("feedback", feedback_id, {"observation_id": observation, "glow": "Pairs explained.",
                                        "released": True, **(feedback or {})})
    tablet.sync()
    return observation, feedback_id


def kinds_for(person) -> list:
    return sorted(n.kind for n in rows(Notification, Notification.recipient_id == person.id))


def test_released_feedback_notifies_the_teacher_once_however_often_the_push_is_replayed(lincoln, api_as):
    tablet = Tablet(api_as(lincoln["observer"]))
    observation = tablet.create_observation(lincoln["school"].id, lincoln["teacher"].id, lincoln["observer"].id,
                                            grade="3", subject="Math", status="submitted")
    tablet.op("feedback", str(uuid.uuid4()), {"observation_id": observation, "glow": "Yes", "released": True})
    sent = list(tablet.outbox)
    tablet.push()
    assert kinds_for(lincoln["teacher"]) == ["feedback_released"]
    # The same ops again (a response lost after commit), and a new edit of the feedback.
    assert tablet.push_raw(sent).status_code == 200
    tablet.pull()
    tablet.op("feedback", sent[1]["record_id"], {"glow": "Yes, and more."})
    tablet.push()
    assert kinds_for(lincoln["teacher"]) == ["feedback_released"]
    assert kinds_for(lincoln["observer"]) == []
    (notification,) = rows(Notification, Notification.recipient_id == lincoln["teacher"].id)
    assert (notification.observation_id, notification.actor_id) == (observation, lincoln["observer"].id)


def test_nothing_is_written_before_the_teacher_may_read_the_feedback(lincoln, api_as):
    tablet = Tablet(api_as(lincoln["observer"]))
    observation = tablet.create_observation(lincoln["school"].id, lincoln["teacher"].id, lincoln["observer"].id)
    feedback = str(uuid.uuid4())
    tablet.op("feedback", feedback, {"observation_id": observation, "glow": "Draft", "released": True,
                                     "support_commitment": "Co-plan on Friday"})
    tablet.sync()
    assert kinds_for(lincoln["teacher"]) == []
    assert rows(SupportCommitment) == []
    tablet.op("observation", observation, {"status": "submitted"})
    tablet.sync()
    assert kinds_for(lincoln["teacher"]) == ["feedback_released"]
    assert [c.description for c in rows(SupportCommitment)] == ["Co-plan on Friday"]


def test_each_answer_of_the_teacher_and_of_the_observer_is_told_to_the_other_once(lincoln, api_as):
    observer = Tablet(api_as(lincoln["observer"]), "observer")
    observation, feedback = submitted(observer, lincoln, {"support_commitment": "I will cover your class.",
                                                           "support_due": "2026-12-04"})
    teacher = Tablet(api_as(lincoln["teacher"]), "teacher")
    teacher.pull()
    teacher.op("feedback", feedback, {"acknowledged_at": NOW, "usefulness": 4, "reflection": "Useful."})
    teacher.op("feedback", feedback, {"support_requested_at": NOW})
    teacher.sync()
    assert kinds_for(lincoln["observer"]) == ["feedback_acknowledged", "feedback_rated", "support_requested"]
    (commitment,) = rows(SupportCommitment)
    assert (commitment.due_on, commitment.requested_at is not None, commitment.kept_at) == (date(2026, 12, 4), True, None)

    observer.pull()
    observer.op("feedback", feedback, {"support_kept_at": NOW, "support_kept_note": "Covered Tuesday."})
    observer.sync()
    assert kinds_for(lincoln["teacher"]) == ["feedback_released", "support_kept"]
    teacher.pull()
    teacher.op("feedback", feedback, {"support_confirmed": "yes"})
    # Changing a rating again tells no one twice.
    teacher.op("feedback", feedback, {"usefulness": 5})
    teacher.sync()
    assert kinds_for(lincoln["observer"]) == ["feedback_acknowledged", "feedback_rated", "support_confirmed",
                                              "support_requested"]
    (commitment,) = rows(SupportCommitment)
    assert (commitment.kept_note, commitment.confirmed) == ("Covered Tuesday.", "yes")


def test_only_the_teacher_asks_for_support_and_only_the_observer_marks_it_kept(lincoln, api_as):
    observer = Tablet(api_as(lincoln["observer"]), "observer")
    _observation, feedback = submitted(observer, lincoln, {"support_commitment": "Co-plan"})
    observer.op("feedback", feedback, {"support_requested_at": NOW, "support_confirmed": "yes"})
    teacher = Tablet(api_as(lincoln["teacher"]), "teacher")
    teacher.pull()
    teacher.op("feedback", feedback, {"support_kept_at": NOW, "support_kept_note": "Done"})
    assert [r["status"] for r in observer.push()["results"]] == ["rejected"]
    assert [r["status"] for r in teacher.push()["results"]] == ["rejected"]
    stranger = Tablet(api_as(lincoln["stranger"]), "stranger")
    stranger.op("feedback", feedback, {"support_kept_at": NOW})
    assert [r["status"] for r in stranger.push()["results"]] == ["rejected"]
    assert kinds_for(lincoln["observer"]) == []
    assert kinds_for(lincoln["teacher"]) == ["feedback_released"]


def test_a_withdrawn_promise_or_a_deleted_walkthrough_leaves_no_commitment_and_no_inbox_item(lincoln, api_as):
    observer = Tablet(api_as(lincoln["observer"]), "observer")
    observation, feedback = submitted(observer, lincoln, {"support_commitment": "Co-plan"})
    assert len(rows(SupportCommitment)) == 1
    observer.op("feedback", feedback, {"support_commitment": "  "})
    observer.sync()
    assert rows(SupportCommitment) == []
    inbox = api_as(lincoln["teacher"]).get("/api/inbox").get_json()
    assert [item["kind"] for item in inbox["items"]] == ["feedback_released"]
    observer.op("observation", observation, {"deleted": True})
    observer.sync()
    assert api_as(lincoln["teacher"]).get("/api/inbox").get_json() == {"items": [], "unread": 0}


def test_the_inbox_says_who_and_which_lesson_and_keeps_read_marks_to_their_owner(lincoln, api_as):
    observer = Tablet(api_as(lincoln["observer"]), "observer")
    submitted(observer, lincoln)
    teacher_api = api_as(lincoln["teacher"])
    inbox = teacher_api.get("/api/inbox").get_json()
    (item,) = inbox["items"]
    assert item["text"] == "New feedback from Maria Lopez on your Grade 3 math lesson"
    assert (inbox["unread"], item["read_at"]) == (1, None)
    # Nobody else sees it or can mark it read.
    for who in ("observer", "peer", "stranger"):
        other = api_as(lincoln[who])
        assert other.get("/api/inbox").get_json() == {"items": [], "unread": 0}
        assert other.post("/api/inbox/read", json={"ids": [item["id"]]}).get_json() == {"unread": 0}
    assert teacher_api.get("/api/inbox").get_json()["unread"] == 1
    assert teacher_api.post("/api/inbox/read", json={"ids": [item["id"]]}).get_json() == {"unread": 0}
    assert teacher_api.get("/api/inbox").get_json()["items"][0]["read_at"] is not None


def test_read_marks_refuse_what_is_not_a_list_of_ids(lincoln, api_as):
    api = api_as(lincoln["teacher"])
    for body in ({"ids": ["not-an-id"]}, {"ids": "x"}, {}, {"ids": [str(uuid.uuid4())] * 501}):
        response = api.post("/api/inbox/read", json=body)
        assert response.status_code == 422, body
        assert "ids" in response.get_json()["error"]["fields"]


def subscribe(api, endpoint=None):
    tablet = Tablet(api, "push")
    body = {"endpoint": endpoint or PUBLIC + uuid.uuid4().hex, "keys": keys()}
    return tablet, api.client.post("/api/push/subscriptions", json=body, headers=tablet.headers)


def test_a_subscription_belongs_to_the_device_that_sent_it_and_goes_with_it(lincoln, api_as):
    api = api_as(lincoln["teacher"])
    tablet, response = subscribe(api)
    assert response.status_code == 201
    (subscription,) = rows(PushSubscription)
    assert (subscription.person_id, subscription.device_id) == (lincoln["teacher"].id, tablet.device_id)
    # The cookie alone is no device: 403, nothing stored.
    cookie_only = api.post("/api/push/subscriptions", json={"endpoint": PUBLIC + "x", "keys": keys()})
    assert (cookie_only.status_code, cookie_only.get_json()["error"]["code"]) == (403, "device_required")
    # New feedback makes one delivery per subscription; none once the device is revoked.
    submitted(Tablet(api_as(lincoln["observer"]), "observer"), lincoln)
    assert len(rows(PushDelivery)) == 1
    assert api.delete(f"/api/devices/{tablet.device_id}").status_code == 204
    assert rows(PushSubscription) == [] and rows(PushDelivery) == []


def test_a_person_who_turned_a_kind_off_gets_it_in_the_inbox_only(lincoln, api_as):
    api = api_as(lincoln["teacher"])
    subscribe(api)
    answer = api.open("PUT", "/api/push/preferences", json={"push_off": ["feedback_released"]})
    assert answer.status_code == 200 and answer.get_json()["push_off"] == ["feedback_released"]
    assert api.open("PUT", "/api/push/preferences", json={"push_off": ["nonsense"]}).status_code == 422
    submitted(Tablet(api_as(lincoln["observer"]), "observer"), lincoln)
    assert rows(PushDelivery) == []
    assert api.get("/api/inbox").get_json()["unread"] == 1


def test_the_same_endpoint_from_another_device_moves_to_it(lincoln, api_as):
    endpoint = PUBLIC + "shared"
    subscribe(api_as(lincoln["teacher"]), endpoint)
    stranger_tablet, response = subscribe(api_as(lincoln["stranger"]), endpoint)
    assert response.status_code == 201
    (subscription,) = rows(PushSubscription)
    assert (subscription.person_id, subscription.device_id) == (lincoln["stranger"].id, stranger_tablet.device_id)
    # Another device cannot delete it: the delete names the caller's device only.
    teacher_tablet = Tablet(api_as(lincoln["teacher"]), "again")
    api_as(lincoln["teacher"]).client.delete("/api/push/subscriptions", json={"endpoint": endpoint},
                                             headers=teacher_tablet.headers)
    assert len(rows(PushSubscription)) == 1


@pytest.mark.parametrize("endpoint", [
    "https://127.0.0.1/push", "https://localhost/push", "https://10.1.2.3/push", "https://192.168.0.4/push",
    "https://172.16.0.1/push", "https://169.254.169.254/latest", "https://[::1]/push", "https://[fd00::1]/push",
    "https://[::ffff:127.0.0.1]/push", "https://0.0.0.0/push", "http://8.8.8.8/push", "ftp://8.8.8.8/push",
    "https://user:pw@8.8.8.8/push", "https://224.0.0.1/push", "not a url", "https://[::1/push",
])
def test_endpoints_the_server_must_not_post_to_are_refused(lincoln, api_as, endpoint):
    _tablet, response = subscribe(api_as(lincoln["teacher"]), endpoint)
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["endpoint"]
    assert rows(PushSubscription) == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=80), st.from_regex(r"\Ahttps?://[\[\]0-9a-f:.%@a-z]{0,40}(/[a-z]{0,5})?\Z")))
def test_the_endpoint_check_answers_every_string_without_raising(endpoint):
    problem = endpoint_problem(endpoint)
    assert problem is None or isinstance(problem, str)
    if problem is None:
        assert endpoint.startswith("https://")


def test_local_endpoints_are_allowed_only_where_the_setting_says(app, lincoln, api_as):
    app.config["PUSH_ALLOW_LOCAL_ENDPOINTS"] = True
    _tablet, response = subscribe(api_as(lincoln["teacher"]), "http://127.0.0.1:9/push/abc")
    assert response.status_code == 201
    assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 1


def test_feedback_synced_in_quiet_hours_is_pushed_in_the_school_s_morning_and_shown_in_the_inbox_at_once(
        make, api_as):
    """Friday 21:00 in New York, default quiet hours (19:00-07:00 and weekends): the push waits for
    Monday 07:00 there; at a school of the same district in Honolulu it is Friday 16:00: at once."""
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from server.notify import after_change

    district = make.district("Quiet District", timezone="America/New_York")
    schools = {"ny": make.school(district, "Harbor"), "hi": make.school(district, "Island", timezone="Pacific/Honolulu")}
    friday_night = datetime(2026, 12, 4, 21, 0, tzinfo=ZoneInfo("America/New_York")).astimezone(timezone.utc)
    expected = {"ny": datetime(2026, 12, 7, 7, 0, tzinfo=ZoneInfo("America/New_York")),
                "hi": friday_night}
    for key, school in schools.items():
        observer, teacher = make.person("observer", school=school), make.person("teacher", school=school)
        tablet = Tablet(api_as(observer), key)
        observation = tablet.create_observation(school.id, teacher.id, observer.id, status="submitted")
        tablet.op("feedback", str(uuid.uuid4()), {"observation_id": observation, "released": True})
        tablet.push()
        db.session.rollback()
        db.session.execute(Notification.__table__.delete())
        after_change([observation], now=friday_night)
        db.session.commit()
        (notification,) = rows(Notification, Notification.recipient_id == teacher.id)
        assert notification.push_after == expected[key].astimezone(timezone.utc), key
        assert notification.created_at == friday_night
        assert api_as(teacher).get("/api/inbox").get_json()["unread"] == 1


def test_admins_see_pushes_that_will_not_go_out_for_the_people_they_administer_only(lincoln, make, api_as):
    subscribe(api_as(lincoln["teacher"]))
    subscribe(api_as(lincoln["stranger"]))
    submitted(Tablet(api_as(lincoln["observer"]), "observer"), lincoln)
    far_school = db.session.get(School, lincoln["stranger"].school_id)
    stranger_observer = make.person("observer", school=far_school)
    far = Tablet(api_as(stranger_observer), "far")
    observation = far.create_observation(lincoln["stranger"].school_id, lincoln["stranger"].id,
                                         stranger_observer.id, status="submitted")
    far.op("feedback", str(uuid.uuid4()), {"observation_id": observation, "released": True})
    far.sync()
    db.session.rollback()
    for delivery in db.session.scalars(select(PushDelivery)):
        delivery.state, delivery.last_status, delivery.last_error = "paused", 403, "VAPID key refused"
    db.session.commit()
    admin = make.person("admin", school=lincoln["school"])
    problems = api_as(admin).get("/api/admin/push/problems").get_json()["problems"]
    assert [(p["person"], p["state"], p["last_status"], p["kind"]) for p in problems] == [
        ("Alice Moreno", "paused", 403, "feedback_released")]
    other_admin = make.person("admin", district=far_school.district)
    assert [p["person"] for p in api_as(other_admin).get("/api/admin/push/problems").get_json()["problems"]] == [
        lincoln["stranger"].name]
    assert api_as(lincoln["observer"]).get("/api/admin/push/problems").status_code == 404
