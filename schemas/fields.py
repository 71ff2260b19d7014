"""Field types with the strictness the API promises: no silent coercion of wrong types."""
from marshmallow import ValidationError, fields, validate

from sync.entities import unstorable


def storable(value: str) -> None:
    """Refuse text no database will store (sync.entities.unstorable), which would otherwise
    surface as a server error."""
    problem = unstorable(value)
    if problem:
        raise ValidationError(problem)


class StrictBool(fields.Boolean):
    """Only JSON true or false; "yes", 1 and "true" are refused (0 == False in Python, so the
    type is checked, not just the value)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def StrictInt(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, **kwargs)


def Text(max_length: int, min_length: int = 0, **kwargs) -> fields.String:
    """A storable string of `min_length`..`max_length` characters, also checked by any `validate`."""
    extra = kwargs.pop("validate", None)
    checks = [validate.Length(min=min_length, max=max_length), storable]
    if extra is not None:
        checks.extend(extra if isinstance(extra, (list, tuple)) else [extra])
    return fields.String(validate=checks, **kwargs)


class IdString(fields.UUID):
    """A UUID, loaded as its canonical lowercase string."""

    def _deserialize(self, value, attr, data, **kwargs):
        return str(super()._deserialize(value, attr, data, **kwargs))
