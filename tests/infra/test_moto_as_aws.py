"""The apply suite's moto server mends moto where it answers differently from AWS
(``devkit.terraform.moto_as_aws``). Each case runs in a process of its own: ``mend`` patches moto's
classes for the whole process."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Two GrantPermissions at once, in moto's backend as its server's request threads call it. Building
# a permission catalog is slowed so that the second grant checks for the account's catalog while the
# first is still building it: the interleaving that, unmended, lost the first grant in a prod apply
# (thread switches land there rarely on their own). Prints how many grants ListPermissions returns.
RACING_GRANTS = """
import sys, threading, time
from moto.lakeformation.models import PermissionCatalog, lakeformation_backends
if sys.argv[1] == "mended":
    from devkit.terraform import moto_as_aws
    moto_as_aws.mend()
built = []
build = PermissionCatalog.__init__
def slow_build(self):
    build(self)
    built.append(self)
    time.sleep(0.5 * len(built))  # the first outlasts the second grant's start, the second the first
PermissionCatalog.__init__ = slow_build
backend = lakeformation_backends["123456789012"]["us-east-1"]
role = {"DataLakePrincipalIdentifier": "arn:aws:iam::123456789012:role/connector"}
grants = [
    ({"Database": {"Name": "exports"}}, ["CREATE_TABLE"]),
    ({"Table": {"DatabaseName": "exports", "TableWildcard": {}}}, ["ALTER", "DESCRIBE"]),
]
threads = [
    threading.Thread(target=backend.grant_permissions, args=("123456789012", role, resource, permissions, []))
    for resource, permissions in grants
]
for thread in threads:
    thread.start()
    time.sleep(0.05)
for thread in threads:
    thread.join()
print(len(backend.list_permissions("123456789012", principal=role)))
"""


def granted(mode: str) -> int:
    answer = subprocess.run(
        [sys.executable, "-c", RACING_GRANTS, mode], capture_output=True, text=True, timeout=60, check=True
    )
    return int(answer.stdout)


@pytest.mark.parametrize(("mode", "grants"), [("mended", 2), ("moto's own", 1)])
def test_two_grants_at_once_are_both_kept(mode, grants):
    """Mended, both grants are listed, as on AWS. moto's own loses one: the case the mend exists for
    (if a moto upgrade keeps both, this says the mend can go)."""
    assert granted(mode) == grants
