"""The conflict-resolving sync engine: pure Python, no Flask, no SQLAlchemy.

- `sync.hlc`: hybrid logical clock strings, compared as strings.
- `sync.entities`: the wire fields of each entity and their validation.
- `sync.ops`: the shape of one op on the wire.
- `sync.merge`: per-field merge against a base version, conflicts and their deterministic winner,
  tombstones, the append-only rule for evidence notes.
The server (server/sync_apply.py) applies these decisions to the database.
"""
