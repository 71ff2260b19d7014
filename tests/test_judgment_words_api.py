"""The district's judgment words for the evidence-not-judgment hint: every admin of the district
reads them, admins of the whole district save new versions (old ones stay), a bad list is refused
field by field, and the current list reaches the district's tablets with their reference data."""
import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, JudgmentWordList
from server.rounds.judgment_words import default_list, pattern_errors
from tests.test_openapi import Conformance, call as conforming

URL = "/api/admin/judgment-words"
MINE = {"language": "en", "patterns": [{"match": "seem*"}, {"match": "engag*", "unless": ["engaged  in"]}]}


@pytest.fixture
def world(make):
    class World:
        district = make.district("District One")
        lincoln = make.school(district, "Lincoln")
        district_admin = make.person("admin", district=district)
        school_admin = make.person("admin", school=lincoln)
        observer = make.person("observer", school=lincoln)
        staff = make.person("district_staff", district=district)
        other_district = make.district("District Two")
        other_admin = make.person("admin", district=other_district)
        other_observer = make.person("observer", school=make.school(other_district, "Far Away"))
    return World


def call(api, method, status, **kwargs):
    response = api.open(method, URL, **kwargs)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def reference_words(api_as, person) -> dict:
    api = api_as(person)
    api.bearer = api.post("/api/devices", json={}).get_json()["token"]
    pages = []
    cursor = 0
    while not pages or pages[-1]["has_more"]:
        pages.append(api.get(f"/api/sync/pull?cursor={cursor}").get_json())
        cursor = pages[-1]["cursor"]
    return pages[-1]["reference"]["judgment_words"]


def test_a_district_without_a_list_of_its_own_uses_the_default(world, api_as):
    body = call(api_as(world.district_admin), "GET", 200)
    assert body["current"]["version"] == 0 and body["current"]["source"] == "default"
    assert body["current"]["patterns"] == default_list()["patterns"]
    assert body["history"] == [] and body["may_change"] is True


def test_the_default_list_is_in_the_matchers_language():
    assert default_list()["language"] == "en"
    assert pattern_errors(default_list()["patterns"]) == {}


def test_a_new_version_replaces_the_current_list_and_the_old_one_is_kept(world, api_as):
    admin = api_as(world.district_admin)
    first = call(admin, "PUT", 200, json=MINE)
    assert first["current"]["version"] == 1 and first["current"]["source"] == "district"
    assert first["current"]["patterns"] == [{"match": "seem*"}, {"match": "engag*", "unless": ["engaged in"]}]
    assert first["current"]["created_by_name"] == world.district_admin.name
    second = call(admin, "PUT", 200, json={"language": "es", "patterns": [{"match": "parec*"}]})
    assert second["current"]["version"] == 2 and second["current"]["language"] == "es"
    assert [version["version"] for version in second["history"]] == [2, 1]
    assert second["history"][1]["patterns"][0] == {"match": "seem*"}
    kinds = db.session.scalars(select(AuditEvent.kind).where(AuditEvent.kind == "judgment_words_changed")).all()
    assert len(kinds) == 2


def test_a_school_admin_reads_the_list_but_may_not_change_it(world, api_as):
    school_admin = api_as(world.school_admin)
    assert call(school_admin, "GET", 200)["may_change"] is False
    assert call(school_admin, "PUT", 403, json=MINE)["error"]["code"] == "forbidden"
    assert db.session.scalar(select(JudgmentWordList.id)) is None


@pytest.mark.parametrize("who", ["observer", "staff"])
def test_people_who_are_not_admins_may_not_read_or_change_it(world, api_as, who):
    api = api_as(getattr(world, who))
    assert call(api, "GET", 404)["error"]["code"] == "not_found"
    assert call(api, "PUT", 404, json=MINE)["error"]["code"] == "not_found"
    assert call(api_as(None), "PUT", 401, json=MINE)["error"]["code"] == "unauthorized"


def test_another_districts_admin_changes_only_their_own_district(world, api_as):
    call(api_as(world.other_admin), "PUT", 200, json={"language": "en", "patterns": [{"match": "awesome"}]})
    mine = call(api_as(world.district_admin), "GET", 200)
    assert mine["current"]["source"] == "default" and mine["history"] == []
    assert reference_words(api_as, world.observer)["version"] == 0
    theirs = reference_words(api_as, world.other_observer)
    assert theirs == {"version": 1, "language": "en", "patterns": [{"match": "awesome"}]}


def test_tablets_get_the_districts_current_list_with_their_reference_data(world, api_as):
    assert reference_words(api_as, world.observer) == {"version": 0, **default_list()}
    call(api_as(world.district_admin), "PUT", 200, json=MINE)
    words = reference_words(api_as, world.observer)
    assert words["version"] == 1 and words["patterns"][0] == {"match": "seem*"}


@pytest.mark.parametrize(("body", "fields"), [
    ({"language": "en", "patterns": []}, {"patterns": ["Length must be between 1 and 500."]}),
    ({"language": "en"}, {"patterns": ["Missing data for required field."]}),
    ({"language": "English", "patterns": [{"match": "good"}]},
     {"language": ["A language tag such as en, es or pt-BR."]}),
    ({"language": "en", "patterns": [{"match": "   "}]}, {"patterns": {"0": {"match": ["Must not be blank."]}}}),
    ({"language": "en", "patterns": [{"match": "good"}, {"match": "a*"}]},
     {"patterns": {"1": {"match": ['"a*": a word ending in * needs at least 3 letters before it.']}}}),
    ({"language": "en", "patterns": [{"match": "(good|great)"}]},
     {"patterns": {"0": {"match": ['"(good" is not a word of letters, digits, \' or -.',
                                   '"great)" is not a word of letters, digits, \' or -.']}}}),
    ({"language": "en", "patterns": [{"match": "one two three four five six seven"}]},
     {"patterns": {"0": {"match": ["At most 6 words; write a shorter phrase."]}}}),
    ({"language": "en", "patterns": [{"match": "good"}, {"match": "Good"}]},
     {"patterns": {"1": {"match": ["The same as pattern 1."]}}}),
    ({"language": "en", "patterns": [{"match": "good", "unless": ["good||morning"]}]},
     {"patterns": {"0": {"unless": {"0": ['"" is not a word of letters, digits, \' or -.']}}}}),
    ({"language": "en", "patterns": [{"match": "x" * 101}]},
     {"patterns": {"0": {"match": ["Length must be between 1 and 100."]}}}),
    ({"language": "en", "patterns": [{"match": "good"}] * 501}, {"patterns": ["Length must be between 1 and 500."]}),
])
def test_a_bad_list_is_refused_field_by_field_and_nothing_is_saved(world, api_as, body, fields):
    answer = call(api_as(world.district_admin), "PUT", 422, json=body)
    assert answer["error"]["code"] == "invalid"
    assert answer["error"]["fields"] == fields
    assert db.session.scalar(select(JudgmentWordList.id)) is None


def test_answers_conform_to_the_openapi_document(world, api_as, app, client):
    conforms = Conformance(app, client.get("/api/openapi.json").get_json())
    admin = api_as(world.district_admin)
    conforming(conforms, admin, "GET", URL)
    conforming(conforms, admin, "PUT", URL, json=MINE)
    conforming(conforms, admin, "GET", URL)
    conforming(conforms, admin, "PUT", URL, json={"language": "en", "patterns": [{"match": "a*"}]})
    conforming(conforms, api_as(world.school_admin), "PUT", URL, json=MINE)


def test_refusals_conform_to_the_openapi_document(world, api_as, app, client):
    conforms = Conformance(app, client.get("/api/openapi.json").get_json())
    conforming(conforms, api_as(world.observer), "GET", URL)
    conforming(conforms, api_as(world.observer), "PUT", URL, json=MINE)
    conforming(conforms, api_as(None), "GET", URL)
