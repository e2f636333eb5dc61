"""A local Lambda context: what the runtime passes to the handler, with a real clock."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

FUNCTION_NAME = "ci360-s3-bulk-upload-local"
FUNCTION_ARN = f"arn:aws:lambda:eu-west-1:123456789012:function:{FUNCTION_NAME}"


@dataclass
class LocalContext:
    """Satisfies ``s3_bulk_upload.lambda_context.LambdaContext``; the time left runs down from
    ``timeout_seconds`` by ``clock`` (pass a fixed one to freeze it)."""

    timeout_seconds: float = 900.0
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_name: str = FUNCTION_NAME
    function_version: str = "$LATEST"
    invoked_function_arn: str = FUNCTION_ARN
    memory_limit_in_mb: int = 1769
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    def __post_init__(self) -> None:
        self._started = self.clock()

    def get_remaining_time_in_millis(self) -> int:
        return int((self.timeout_seconds - (self.clock() - self._started)) * 1000)
