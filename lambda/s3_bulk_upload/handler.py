"""Lambda entry point (``s3_bulk_upload.handler.lambda_handler``): loads the function at INIT with
Python's cyclic garbage collector paused, then freezes what it loaded.

The libraries and the function create about 72,000 objects the collector tracks while they load,
and every one of them lives as long as the container. Collections among them during the import
are INIT time spent for nothing: 12 ms or more of a 180–240 ms import here (Python 3.13). So the
collector is paused for the import, and ``gc.freeze`` then moves everything that exists into the
permanent generation. Pausing alone would only defer the work, because the first collection after
the import would walk all of them. After the freeze, no later collection walks them (a full
collection: 10 ms before, 0.02 ms after). About 400 objects of garbage left in reference cycles
by the imports are frozen with them. A collector that was already off stays off.

The request's life and the envelope around it are in ``envelope``.
"""

from __future__ import annotations

import gc

_collecting = gc.isenabled()
gc.disable()
try:
    from .envelope import Handler, aws_s3_client, lambda_handler
finally:
    if _collecting:
        gc.enable()
gc.freeze()

__all__ = ["Handler", "aws_s3_client", "lambda_handler"]
