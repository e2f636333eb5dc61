"""The workspace targets: preflight checks, teardown and the smoke test of a deployed stack."""
