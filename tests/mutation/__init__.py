"""The mutation check (`python -m tests.mutation`): see tests/mutation/check.py and docs/testing.md."""
