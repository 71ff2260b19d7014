"""Reading observations. Tablets write them through sync; here a reader fetches what they may see."""
from flask import request

from schemas.observations import observation_list_query_schema, observation_schema
from server.api import api
from server.auth import require_person
from server.authz import find_visible, may_read_feedback, observations_query
from server.extensions import db
from server.models import Observation, Person


def _shown(person: Person, observation: Observation) -> dict:
    shown = observation_schema.dump(observation)
    if observation.feedback is not None and not may_read_feedback(person, observation):
        shown["feedback"] = None
    return shown


@api.get("/observations")
def list_observations():
    """Newest first, `limit` (1-200, default 50) from `offset`."""
    person = require_person()
    page = observation_list_query_schema.load(request.args)
    query = (observations_query(person)
             .order_by(Observation.started_at.desc(), Observation.id)
             .limit(page["limit"]).offset(page["offset"]))
    return {"observations": [_shown(person, o) for o in db.session.scalars(query)]}


@api.get("/observations/<observation_id>")
def get_observation(observation_id: str):
    person = require_person()
    observation = find_visible(observations_query(person), Observation, observation_id, "That observation")
    return _shown(person, observation)
