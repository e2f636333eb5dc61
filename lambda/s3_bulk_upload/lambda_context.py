"""The parts of the Lambda context object the connector reads (the runtime passes more)."""

from __future__ import annotations

from typing import Protocol


class LambdaContext(Protocol):
    """What ``lambda_handler`` receives as ``context``; the local stand-ins satisfy it too."""

    @property
    def aws_request_id(self) -> str: ...

    @property
    def function_name(self) -> str: ...

    @property
    def invoked_function_arn(self) -> str: ...

    @property
    def memory_limit_in_mb(self) -> int: ...

    def get_remaining_time_in_millis(self) -> int: ...
