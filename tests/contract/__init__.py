"""The API contract: schemathesis against a live server (run_schemathesis.py), run by .ci/run."""
