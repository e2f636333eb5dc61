"""The project's local toolkit: stand-ins for Lambda, API Gateway, S3 and CI360's staging bucket,
and the developer tools (packaging, offline Terraform checks, demo, smoke test, benchmark).

Shared by the tests and the ``make`` targets; installed into the dev venv (editable) with the
function itself, so nothing edits ``sys.path``.
"""

import os

# Local runs name their log lines and metrics the way a deployment does: Terraform writes these
# two variables for the function, and Powertools reads them when the function is imported, so
# they are set here, before anything imports it (an environment that sets them wins).
LOCAL_POWERTOOLS_ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME": "ci360-s3-bulk-local",
    "POWERTOOLS_METRICS_NAMESPACE": "CI360S3BulkConnector",
}
for _name, _value in LOCAL_POWERTOOLS_ENVIRONMENT.items():
    os.environ.setdefault(_name, _value)
