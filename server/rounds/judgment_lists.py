"""Reading a district's judgment-word lists: the current one (or the default) and its versions."""
from sqlalchemy import select

from server.extensions import db
from server.models import Person
from server.models.judgment_words import JudgmentWordList
from server.rounds.judgment_words import default_list


def versions_of(district_id: str) -> list[JudgmentWordList]:
    """The district's saved versions, newest first."""
    return list(db.session.scalars(select(JudgmentWordList).where(JudgmentWordList.district_id == district_id)
                                   .order_by(JudgmentWordList.version.desc())))


def current_list(district_id: str) -> JudgmentWordList | None:
    """The district's newest version, or None when it uses the default."""
    return db.session.scalar(select(JudgmentWordList).where(JudgmentWordList.district_id == district_id)
                             .order_by(JudgmentWordList.version.desc()).limit(1))


def shown(saved: JudgmentWordList | None) -> dict:
    """A version as the API and the tablets read it; None is the default list, version 0."""
    if saved is None:
        return {**default_list(), "version": 0, "source": "default", "created_at": None, "created_by_name": None}
    author = db.session.get(Person, saved.created_by_id) if saved.created_by_id else None
    return {"version": saved.version, "source": "district", "language": saved.language, "patterns": saved.patterns,
            "created_at": saved.created_at, "created_by_name": author.name if author else None}
