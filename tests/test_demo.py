"""`flask --app server demo`: migrates, seeds the demo district once, prints the logins."""
from sqlalchemy import func, select

from server.demo import PASSWORD
from server.extensions import db
from server.models import (
    District,
    Feedback,
    LookForTemplate,
    Observation,
    Person,
    School,
)
from tests.builders import ApiClient
from tests.sync.helpers import Tablet


def counts():
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (District, School, Person, LookForTemplate, Observation, Feedback)}


def test_demo_seeds_once_and_reuses_the_database(runner, app, client):
    first = runner.invoke(args=["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "Demo district created." in first.output
    assert "http://127.0.0.1:5000" in first.output
    assert "principal@demo.rounds" in first.output and PASSWORD in first.output
    with app.app_context():
        seeded = counts()
    assert seeded == {"District": 1, "School": 2, "Person": 16, "LookForTemplate": 1,
                      "Observation": 4, "Feedback": 3}
    second = runner.invoke(args=["demo", "--no-serve"])
    assert second.exit_code == 0, second.output
    assert "already there" in second.output
    with app.app_context():
        assert counts() == seeded


def test_demo_people_cover_every_role_and_can_sign_in(runner, app, client):
    runner.invoke(args=["demo", "--no-serve"])
    with app.app_context():
        people = db.session.scalars(select(Person)).all()
        teachers = [p for p in people if p.has_role("teacher")]
        observers = [p for p in people if p.has_role("observer")]
        assert len(teachers) == 12 and len(observers) == 3
        assert any(p.has_role("teacher") for p in observers)
        assert any(p.has_role("district_staff") for p in people)
        template = db.session.scalar(select(LookForTemplate))
        assert template.is_published and len(template.lookfors) == 8
    for email in ("principal@demo.rounds", "alice@demo.rounds", "analyst@demo.rounds"):
        response = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, email
    client.post("/api/auth/login", json={"email": "alice@demo.rounds", "password": PASSWORD})
    about_alice = client.get("/api/observations").get_json()["observations"]
    assert [o["feedback"]["usefulness"] for o in about_alice] == [4]
    client.post("/api/auth/login", json={"email": "analyst@demo.rounds", "password": PASSWORD})
    district_view = client.get("/api/observations").get_json()["observations"]
    assert len(district_view) == 3 and [o["status"] for o in district_view] == ["submitted"] * 3


def test_a_fresh_tablet_pulls_the_demo_walkthroughs(runner, app):
    runner.invoke(args=["demo", "--no-serve"])
    api = ApiClient(app.test_client())
    api.login("principal@demo.rounds", PASSWORD)
    principal = Tablet(api)
    pages = principal.pull()
    entities = sorted(entity for entity, _record_id in principal.records)
    assert entities.count("observation") == 1 and entities.count("note") == 4 and entities.count("feedback") == 1
    reference = pages[-1]["reference"]
    assert [t["name"] for t in reference["templates"]] == ["Instructional core walkthrough"]
    assert len([p for p in reference["people"] if "teacher" in p["roles"]]) == 6
