"""Field types with the strictness the API promises: no silent coercion of wrong types."""
from marshmallow import fields, validate


def StrictBool(**kwargs) -> fields.Boolean:
    """Only JSON true or false; "yes", 1 and "true" are refused."""
    return fields.Boolean(truthy={True}, falsy={False}, **kwargs)


def StrictInt(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, **kwargs)


def Text(max_length: int, min_length: int = 0, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=min_length, max=max_length), **kwargs)


class IdString(fields.UUID):
    """A UUID, loaded as its canonical lowercase string."""

    def _deserialize(self, value, attr, data, **kwargs):
        return str(super()._deserialize(value, attr, data, **kwargs))
