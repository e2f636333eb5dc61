"""The apply suite's moto server: ``python -m devkit.terraform.moto_as_aws -H 127.0.0.1 -p PORT``.

moto 5.2.5's server, in a process of its own, with AWS's managed IAM policies loaded (the
configurations attach AmazonAPIGatewayPushToCloudWatchLogs and AWSLambdaVPCAccessExecutionRole)
and with each place where moto answers differently from AWS, so that the provider reads back
what it reads from AWS, mended here and listed in ``READ_BACK``:

- API Gateway ``GetRestApi``/``UpdateRestApi``: AWS returns the resource policy as an escaped JSON
  string (``{\\"Version\\":…}``), which the provider unescapes (``flattenAPIPolicy`` in
  internal/service/apigateway/rest_api.go: "The API returns policy as an escaped JSON string");
  moto returns the document as it was put (moto/apigateway/models.py, ``RestAPI.to_dict``: ``PROP_POLICY:
  self.policy``; ``apply_patch_operations``: ``self.policy = value``), and the provider's read
  then fails with "invalid character … after top-level value" for the API and its policy.
- Lake Formation ``RevokePermissions`` of a grant the principal does not hold: AWS answers
  ``InvalidInputException`` "No permissions revoked. Grantee has no permissions …", and the
  provider revokes again after the first revoke until it gets that answer
  (internal/service/lakeformation/permissions.go, ``resourcePermissionsDelete``: "we'll retry until
  we get the right error"); moto answers 200 (moto/lakeformation/models.py, ``revoke_permissions``
  and ``PermissionCatalog.remove_permission`` return quietly), so every destroy of a grant failed
  with "empty retryable error received".
- Lake Formation ``GrantPermissions`` twice at once: AWS keeps both grants (or answers
  ``ConcurrentModificationException``, which the provider retries); moto can lose the first. Its
  server answers requests on threads, and ``grant_permissions`` creates an account's permission
  catalog check-then-set (moto/lakeformation/models.py: ``if catalog_id not in self.grants:
  self.grants[catalog_id] = PermissionCatalog()``), so when Terraform creates the connector's two
  grants (``database`` and ``tables``) together, the second can replace the catalog that holds the
  first. The provider then reads for a minute a grant ListPermissions never returns ("timeout
  while waiting for state to become 'AVAILABLE'"). Grants, revokes and listings are taken one at a time here.
- S3 ``CreateBucket``: AWS applies ``CreateBucketConfiguration.Tags`` (the provider tags a bucket
  on creation that way, internal/service/s3/bucket.go, "Tag on create"); moto reads only the
  ``LocationConstraint`` of that body (moto/s3/responses.py, ``_get_location_constraint`` and the
  create branch of ``_bucket_response_put``), so the bucket has no tags and every later plan
  updates ``tags_all`` (and the bucket policy, whose document then waits for the bucket).

Two Step Functions APIs moto 5.2.5 lacks are answered here, because the resource cannot be left out
of the apply (the function's environment names the state machine, so the whole stack depends on it):

- Step Functions ``ValidateStateMachineDefinition``, which the provider calls when it plans an
  ``aws_sfn_state_machine`` (moto/stepfunctions/responses.py has no such action: it answers 500, and
  the provider retries that for minutes per plan). The answer here checks only that the definition
  is a JSON object with ``StartAt`` naming one of its ``States`` (AWS checks far more); the
  definition itself is executed by moto's interpreter in tests/functional/test_distributed_delivery.py.
- Step Functions ``ListStateMachineVersions``, which the provider calls on every read of an
  ``aws_sfn_state_machine`` (internal/service/sfn/state_machine.go, the latest published version for
  ``state_machine_version_arn``); moto has no such action either and answers 500, which the
  provider retries with backoff for about ten minutes per read (the stall that took the apply
  suite out of ``make test``). The answer lists the versions moto itself keeps (``publish``),
  newest first, as AWS does.

Lambda ``Invoke`` runs a function's code in a Docker container in moto
(``moto/awslambda/models.py``, ``LambdaFunction._invoke_lambda``); no Docker daemon is assumed
here. Where AWS's Runtime Interface Emulator is built (``make rie``) and Python 3.13 is present,
this server instead runs the zip the apply deployed (the code moto stores) under the emulator, as
the managed ``python3.13`` runtime starts it, with the environment the apply gave the function and
every AWS client pointed back at this server (``run_deployed_functions``). Synchronous
(``RequestResponse``) invocations only: nothing here queues an ``Event`` invocation.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devkit.paths import ROOT

# The deployed zips moto's Lambda runs, unpacked (run_deployed_functions).
UNPACKED = ROOT / "build" / "moto-lambda"
READ_BACK = {
    "apigateway RestAPI.to_dict policy": "AWS returns the policy as an escaped JSON string; moto as put",
    "s3 CreateBucket CreateBucketConfiguration.Tags": "AWS tags the bucket on creation; moto ignores them",
    "lakeformation RevokePermissions of no grant": "AWS answers InvalidInputException; moto answers 200",
    "lakeformation GrantPermissions at once": "AWS keeps both grants; moto can lose the first",
}
MISSING = {
    "stepfunctions ValidateStateMachineDefinition": "called by the provider's plan; moto answers 500",
    "stepfunctions ListStateMachineVersions": "called by the provider's every read; moto answers 500",
}


def validation(definition: str) -> dict[str, Any]:
    """ValidateStateMachineDefinition's answer for the structure the apply suite can check."""
    try:
        document = json.loads(definition)
    except ValueError:
        document = None
    states = document.get("States") if isinstance(document, dict) else None
    if isinstance(states, dict) and document is not None and document.get("StartAt") in states:
        return {"result": "OK", "diagnostics": []}
    diagnostic = {"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED", "message": "StartAt must name a state"}
    return {"result": "FAIL", "diagnostics": [diagnostic]}


def mend() -> None:
    """Patch moto's models in this process so its answers read back as AWS's do."""
    from moto.apigateway.models import RestAPI

    original = RestAPI.to_dict

    def to_dict(self: RestAPI) -> dict[str, Any]:
        answer = original(self)
        if answer.get(RestAPI.PROP_POLICY):
            answer[RestAPI.PROP_POLICY] = json.dumps(answer[RestAPI.PROP_POLICY])[1:-1]
        return answer

    RestAPI.to_dict = to_dict  # type: ignore[method-assign]

    import xmltodict  # type: ignore[import-untyped]
    from moto.s3.responses import S3Response

    create_or_put = S3Response._bucket_response_put

    def _bucket_response_put(self: S3Response, request: Any, bucket_name: str, querystring: dict[str, Any]) -> Any:
        answer = create_or_put(self, request, bucket_name, querystring)
        if not querystring and self.body:  # CreateBucket: PUT /<bucket> with a configuration
            configuration = xmltodict.parse(self.body).get("CreateBucketConfiguration") or {}
            tags = (configuration.get("Tags") or {}).get("Tag") or []
            tags = tags if isinstance(tags, list) else [tags]
            if tags:
                self.backend.put_bucket_tagging(bucket_name, {t["Key"]: t.get("Value") or "" for t in tags})
        return answer

    S3Response._bucket_response_put = _bucket_response_put  # type: ignore[method-assign]

    from moto.lakeformation.exceptions import InvalidInput
    from moto.lakeformation.models import LakeFormationBackend, Permission

    lock = threading.Lock()

    def one_at_a_time(method: Callable[..., Any]) -> Callable[..., Any]:
        def locked(self: LakeFormationBackend, *args: Any, **kwargs: Any) -> Any:
            with lock:
                return method(self, *args, **kwargs)

        return locked

    revoke = LakeFormationBackend.revoke_permissions

    def revoke_permissions(  # noqa: PLR0917 (moto's)
        self: LakeFormationBackend,
        catalog_id: str,
        principal: dict[str, str],
        resource: dict[str, Any],
        permissions_to_revoke: list[str],
        permissions_with_grant_options_to_revoke: list[str],
    ) -> None:
        asked = Permission(principal=principal, resource=resource, permissions=[], permissions_with_grant_options=[])
        held = self.grants[catalog_id].permissions if catalog_id in self.grants else set()
        if not any(asked.equal_principal_and_resouce(grant) for grant in held):
            raise InvalidInput(
                "No permissions revoked. Grantee has no permissions and no grantable permissions on resource"
            )
        revoke(self, catalog_id, principal, resource, permissions_to_revoke, permissions_with_grant_options_to_revoke)

    # A grant may create the catalog a racing grant is creating too; a listing copies the set a grant
    # may be adding to: each of the three runs alone.
    LakeFormationBackend.grant_permissions = one_at_a_time(LakeFormationBackend.grant_permissions)  # type: ignore[method-assign]
    LakeFormationBackend.list_permissions = one_at_a_time(LakeFormationBackend.list_permissions)  # type: ignore[method-assign]
    LakeFormationBackend.revoke_permissions = one_at_a_time(revoke_permissions)  # type: ignore[method-assign]

    from moto.core.responses import ActionResult
    from moto.stepfunctions.responses import StepFunctionResponse

    def validate_state_machine_definition(self: StepFunctionResponse) -> ActionResult:
        return ActionResult(validation(self._get_param("definition") or ""))

    StepFunctionResponse.validate_state_machine_definition = validate_state_machine_definition  # type: ignore[attr-defined]

    def list_state_machine_versions(self: StepFunctionResponse) -> ActionResult:
        machine = self.stepfunction_backend.describe_state_machine(self._get_param("stateMachineArn"))
        versions = sorted(machine.versions.values(), key=lambda v: v.version, reverse=True)
        listed = [{"stateMachineVersionArn": v.arn, "creationDate": v.creation_date} for v in versions]
        return ActionResult({"stateMachineVersions": listed})

    StepFunctionResponse.list_state_machine_versions = list_state_machine_versions  # type: ignore[attr-defined]


def run_deployed_functions(endpoint: str) -> str | None:
    """Lambda Invoke runs the deployed zip under the runtime emulator; None, or why it cannot here."""
    import hashlib
    import shutil
    import tempfile
    import zipfile
    from io import BytesIO

    from devkit.local import rie
    from devkit.local.moto_server import aws_environment
    from devkit.packaging.artifact import OLD_RUNTIME_SDK, emulator_missing, lambda_runtime, runtime_sdk

    runtime = lambda_runtime()
    missing = emulator_missing(runtime)
    if missing is not None:
        return missing
    sdk = runtime_sdk(OLD_RUNTIME_SDK, runtime)
    from moto.awslambda.models import LambdaBackend

    def invoke(self: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any) -> bytes:  # noqa: PLR0917 (moto's)
        function = self.get_function(function_name, qualifier)
        # Unpacked once per zip content into a cache under build/ (the zip is reproducible); two
        # servers (the suite's workers) may unpack the same zip at once: the rename decides.
        task = UNPACKED / hashlib.sha256(function.code_bytes).hexdigest()
        if not task.exists():
            UNPACKED.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=UNPACKED, prefix=".unpacking-"))
            with zipfile.ZipFile(BytesIO(function.code_bytes)) as archive:
                archive.extractall(staging)
            try:
                staging.rename(task)
            except OSError:  # the other server was first
                shutil.rmtree(staging, ignore_errors=True)
        environment = {
            **function.environment_vars,
            **aws_environment(endpoint),
            "AWS_REGION": function.region,
            "AWS_DEFAULT_REGION": function.region,
        }
        event = json.loads(body) if body else {}
        with rie.emulated(
            runtime.python, [task, sdk], function.handler, environment, timeout_seconds=int(function.timeout)
        ) as emulated:
            answer = emulated.invoke(event)
        if rie.is_error(answer):
            response_headers["x-amz-function-error"] = "Unhandled"
        payload = json.dumps(answer).encode()
        response_headers["Content-Length"] = str(len(payload))
        return payload

    LambdaBackend.invoke = invoke  # type: ignore[method-assign]
    return None


def main(argv: list[str]) -> None:
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    mend()
    host = argv[argv.index("-H") + 1] if "-H" in argv else "127.0.0.1"
    port = argv[argv.index("-p") + 1] if "-p" in argv else "5000"
    why_not = run_deployed_functions(f"http://{host}:{port}")
    if why_not is not None:
        print(f"Lambda Invoke is moto's own here: {why_not}", file=sys.stderr, flush=True)
    from moto.server import main as serve

    serve(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
