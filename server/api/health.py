"""Health check for load balancers and the release process."""
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from server.api import api
from server.errors import ApiError
from server.extensions import db


@api.get("/health")
def health():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        raise ApiError(503, "database_unreachable", "The database cannot be reached.") from None
    return {"status": "ok", "database": "reachable"}
