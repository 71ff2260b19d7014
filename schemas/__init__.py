"""Marshmallow schemas: validate what comes in, shape what goes out. No database, no Flask."""
