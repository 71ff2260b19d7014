"""Making, editing and publishing look-for templates, for the API and for seeding alike.

Nothing here commits: changes join the caller's transaction, so an audit event lands with them.
`lookfors` is always a list of {key, label, kind, levels, binds} in the order observers see them
(`binds` may be left out: the look-for stands for no core field).
Input is trusted as given: the API validates it first with `schemas.templates`.
"""
from sqlalchemy import func, select

from server.extensions import db
from server.ids import new_id
from server.models import LookFor, LookForTemplate
from server.models.types import utcnow

EDITABLE = ("name", "problem_of_practice", "lookfors")


def _lookfor_rows(lookfors) -> list[LookFor]:
    return [LookFor(position=position, key=item["key"], label=item["label"], kind=item["kind"],
                    levels=item.get("levels"), binds=item.get("binds"))
            for position, item in enumerate(lookfors)]


def create_template(district_id, school_id, name, problem_of_practice, lookfors,
                    created_by=None) -> LookForTemplate:
    """Add version 1, a draft, of a new template family; school_id None makes it district-wide."""
    template = LookForTemplate(
        family_id=new_id(), version=1, district_id=district_id, school_id=school_id, name=name,
        problem_of_practice=problem_of_practice, status="draft",
        created_by_id=created_by.id if created_by is not None else None,
        lookfors=_lookfor_rows(lookfors))
    db.session.add(template)
    db.session.flush()
    return template


def family_draft(family_id: str) -> LookForTemplate | None:
    """The draft version of a family, if there is one."""
    return db.session.scalar(select(LookForTemplate).where(LookForTemplate.family_id == family_id,
                                                           LookForTemplate.status == "draft"))


def edit_draft(template: LookForTemplate, changes: dict) -> None:
    """Apply `changes` (any of EDITABLE) to a draft in place; a given `lookfors` replaces them all."""
    if template.is_published:
        raise ValueError("a published version never changes; make a new version")
    template.name = changes.get("name", template.name)
    template.problem_of_practice = changes.get("problem_of_practice", template.problem_of_practice)
    if "lookfors" in changes:
        # Old rows go first: the new ones may reuse their keys, which are unique per template.
        template.lookfors.clear()
        db.session.flush()
        template.lookfors = _lookfor_rows(changes["lookfors"])


def new_version(published: LookForTemplate, changes: dict, created_by=None) -> LookForTemplate:
    """Add a draft that copies `published` with `changes` applied, numbered after the family's
    newest version. The published version is left exactly as it was."""
    newest = db.session.scalar(select(func.max(LookForTemplate.version))
                               .where(LookForTemplate.family_id == published.family_id))
    current = [{"key": lf.key, "label": lf.label, "kind": lf.kind, "levels": lf.levels, "binds": lf.binds}
               for lf in published.lookfors]
    draft = LookForTemplate(
        family_id=published.family_id, version=newest + 1, district_id=published.district_id,
        school_id=published.school_id, name=changes.get("name", published.name),
        problem_of_practice=changes.get("problem_of_practice", published.problem_of_practice),
        status="draft", created_by_id=created_by.id if created_by is not None else None,
        lookfors=_lookfor_rows(changes.get("lookfors", current)))
    db.session.add(draft)
    db.session.flush()
    return draft


def publish(template: LookForTemplate) -> None:
    """Make a draft the published version observers use; from now on it never changes."""
    if template.is_published:
        raise ValueError("this version is already published")
    template.status = "published"
    template.published_at = utcnow()
