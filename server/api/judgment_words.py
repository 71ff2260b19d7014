"""The district's judgment-word list for the evidence-not-judgment hint, for admins.

Every admin reads the district's current list and its history (to anyone else the routes do
not exist: 404); only an admin of the whole district saves a new version (a school admin's school shares the district's list, and observers of
every school see the same hint). A new version replaces the current one as a whole; tablets get
it at their next sync. Every saved version is audited.
"""
from schemas.judgment_words import judgment_word_history_schema, judgment_word_list_edit_schema
from server import audit
from server.api import api
from server.auth import require_admin
from server.bodies import json_body
from server.errors import ApiError
from server.extensions import db
from server.models import District
from server.models.judgment_words import JudgmentWordList
from server.rounds.judgment_lists import current_list, shown, versions_of
from server.rounds.judgment_words import cleaned, pattern_errors


@api.get("/admin/judgment-words")
def read_judgment_words():
    """The district's current list (the default until it saves one) and its saved versions."""
    admin = require_admin()
    return _answer(admin)


@api.put("/admin/judgment-words")
def save_judgment_words():
    """Save a new version of the district's list. Admins of the whole district only."""
    admin = require_admin()
    if admin.school_id is not None:
        raise ApiError(403, "forbidden", "Only an admin of the whole district changes the judgment words; "
                                         "they are the same for every school.")
    data = json_body(judgment_word_list_edit_schema)
    errors = pattern_errors(data["patterns"])
    if errors:
        raise ApiError(422, "invalid", "Some fields are not valid.", {"patterns": errors})
    latest = current_list(admin.district_id)
    saved = JudgmentWordList(district_id=admin.district_id, version=(latest.version if latest else 0) + 1, language=data["language"],
                             patterns=cleaned(data["patterns"]), created_by_id=admin.id)
    db.session.add(saved)
    audit.record("judgment_words_changed", admin, subject=db.session.get(District, admin.district_id),
                 after={"version": saved.version, "language": saved.language, "patterns": len(saved.patterns)})
    db.session.commit()
    return _answer(admin)


def _answer(admin) -> dict:
    return judgment_word_history_schema.dump({
        "current": shown(current_list(admin.district_id)),
        "history": [shown(version) for version in versions_of(admin.district_id)],
        "may_change": admin.school_id is None,
    })
