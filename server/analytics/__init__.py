"""District analytics: what district staff take out of Rounds to study practice across schools.

- `scope`: which observations (submitted, not deleted, of the schools in scope) and the filters;
- `tables`: the export's tables, their columns described (the data dictionary), their rows;
- `writers`: CSV (RFC 4180, CSV-injection safe), JSON Lines and a streamed zip;
- `copy`: the same CSV straight from PostgreSQL's COPY;
- `export`: one export, its Frictionless data package and its audit event;
- `cli`: `flask --app server export` for district IT.
The de-identified export: `privacy` (the threshold k, pseudonyms), `suppression` (which nodes to
suppress, pure), `grid` (the district's fixed grid of look-for figures), `cells` (lookfor_cells)
and `deidentified` (its row tables).
The HTTP routes are server/api/exports.py; docs/export.md renders the data dictionary.
"""
