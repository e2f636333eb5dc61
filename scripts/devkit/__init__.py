"""The project's local toolkit: stand-ins for Lambda, API Gateway, S3 and CI360's staging bucket,
and the developer tools (packaging, offline Terraform checks, demo, smoke test, benchmark).

Shared by the tests and the ``make`` targets; installed into the dev venv (editable) with the
function itself, so nothing edits ``sys.path``.
"""
