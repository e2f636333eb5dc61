"""Which way a request is delivered: now (sync), by one asynchronous run (async), or in parts (distributed). Pure."""

from __future__ import annotations

from .config import Config
from .source_answers import FileIdentity

SYNC, ASYNC, DISTRIBUTED = "sync", "async", "distributed"


def needs_probe(config: Config) -> bool:
    """auto chooses by the data file's size; distributed needs its ETag and size (each part is held to them)."""
    return config.delivery_mode in ("auto", DISTRIBUTED)


def choose(config: Config, identity: FileIdentity | None) -> str:
    """The route for a data file of ``identity`` (None: not probed).

    A file without an ETag or a size, an empty one, or one sent content-encoded (a byte span of it
    cannot be decoded alone), cannot be split safely: it goes the single way, async when
    distributed was forced.
    """
    mode = config.delivery_mode
    if mode in (SYNC, ASYNC):
        return mode
    size = identity.size if identity else None
    splittable = (
        identity is not None
        and bool(identity.etag)
        and bool(size)
        and not identity.encoding
        and bool(config.state_machine_arn)
    )
    if mode == DISTRIBUTED:
        return DISTRIBUTED if splittable else ASYNC
    if splittable and size is not None and size >= config.distributed_threshold_bytes:
        return DISTRIBUTED
    return ASYNC if size is not None and size >= config.async_threshold_bytes else SYNC
