"""make package: the zip Terraform deploys (pip fetches Lambda-platform wheels from the package index)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from devkit.packaging.build_zip import MAX_ZIP_BYTES, build, write_zip


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    first = build(out / "one.zip", "arm64", "3.13")
    second = build(out / "two.zip", "arm64", "3.13")
    return out / "one.zip", first, second


def test_package_is_reproducible_and_small(built):
    path, first, second = built
    assert first == second == hashlib.sha256(path.read_bytes()).hexdigest()
    assert path.stat().st_size < MAX_ZIP_BYTES


def test_the_zip_size_the_readme_states_is_the_built_zips(built):
    import re

    from devkit.paths import ROOT

    stated = re.search(r"about (\d+) MiB, handler import", (ROOT / "README.md").read_text())
    assert stated, "the README states the zip's size"
    assert abs(built[0].stat().st_size / 1024 / 1024 - int(stated.group(1))) < 1.0


def test_package_layout(built):
    names = zipfile.ZipFile(built[0]).namelist()
    assert "s3_bulk_upload/handler.py" in names
    assert "requests/__init__.py" in names and "urllib3/__init__.py" in names
    # The SDK travels with the function: the runtime's own varies by runtime version and Region.
    assert {"boto3/__init__.py", "botocore/__init__.py", "s3transfer/__init__.py"} <= set(names)
    assert not [n for n in names if n.startswith(("tests/", "bin/"))]
    # The compression extension for the Lambda architecture, not this machine's.
    assert [n for n in names if n.startswith("zlib_ng/zlib_ng.") and n.endswith(".so")] == [
        "zlib_ng/zlib_ng.cpython-313-aarch64-linux-gnu.so"
    ]
    assert [n for n in names if n.startswith("isal/isal_zlib.") and n.endswith(".so")] == [
        "isal/isal_zlib.cpython-313-aarch64-linux-gnu.so"
    ]
    assert not [n for n in names if n.startswith("aws_lambda_powertools/event_handler/")]
    # Bytecode for the runtime's Python only (Lambda cannot write it to /var/task).
    assert "s3_bulk_upload/__pycache__/handler.cpython-313.pyc" in names
    assert not [n for n in names if n.endswith(".pyc") and ".cpython-313." not in n]
    assert names == sorted(names)
    assert {i.date_time for i in zipfile.ZipFile(built[0]).infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_nothing_in_the_zip_names_the_build_machine(built):
    archive = zipfile.ZipFile(built[0])
    for name in archive.namelist():
        content = archive.read(name)
        for trace in (sys.prefix, sys.base_prefix, os.path.expanduser("~")):
            assert trace.encode() not in content, f"{name} mentions {trace}"
    assert not [n for n in archive.namelist() if n.endswith("/RECORD")]


def test_zip_bytes_do_not_depend_on_file_times(tmp_path):
    tree = tmp_path / "tree"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "a.py").write_text("A = 1\n")
    (tree / "pkg" / "__pycache__").mkdir()
    (tree / "pkg" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"cache")
    write_zip(tree, tmp_path / "1.zip")
    os.utime(tree / "pkg" / "a.py", (0, 12345678))
    write_zip(tree, tmp_path / "2.zip")
    assert (tmp_path / "1.zip").read_bytes() == (tmp_path / "2.zip").read_bytes()
    assert zipfile.ZipFile(tmp_path / "1.zip").namelist() == ["pkg/a.py"]


def test_bytecode_is_for_the_runtime_only_and_left_out_of_other_trees(tmp_path):
    tree = tmp_path / "tree"
    (tree / "pkg" / "__pycache__").mkdir(parents=True)
    (tree / "pkg" / "a.py").write_text("A = 1\n")
    for name in ("a.cpython-313.pyc", "a.cpython-311.pyc", "a.cpython-313.opt-1.pyc"):
        (tree / "pkg" / "__pycache__" / name).write_bytes(b"code")
    (tree / "pkg" / "stray.pyc").write_bytes(b"code")
    write_zip(tree, tmp_path / "out.zip", "3.13")
    assert zipfile.ZipFile(tmp_path / "out.zip").namelist() == ["pkg/__pycache__/a.cpython-313.pyc", "pkg/a.py"]


def test_handler_imports_from_the_zip_alone(tmp_path):
    """Built for this interpreter, extracted, with nothing from outside: the SDK is in the zip."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    zip_path = tmp_path / "local.zip"
    build(zip_path, "x86_64" if os.uname().machine == "x86_64" else "arm64", version)
    zipfile.ZipFile(zip_path).extractall(tmp_path / "task")
    probe = "import s3_bulk_upload.handler as h, botocore; print(h.lambda_handler.__name__, botocore.__file__)"
    result = subprocess.run(
        [sys.executable, "-S", "-P", "-c", probe],
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(tmp_path / "task")},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.startswith("lambda_handler ")
    assert str(tmp_path / "task") in result.stdout


def test_a_cached_build_is_the_build_and_is_made_once_per_source_state(built, tmp_path, monkeypatch):
    """The suites and the toolkit take the zip from build/function-zip/: the same bytes as a build,
    built again only when a source file changes."""
    from devkit.packaging import build_zip

    monkeypatch.setattr(build_zip, "BUILD_CACHE", tmp_path / "cache")
    build_zip.cached_build(tmp_path / "first.zip", "arm64", "3.13")
    assert (tmp_path / "first.zip").read_bytes() == built[0].read_bytes()

    def no_build(*args):
        raise AssertionError("built again for the same sources")

    monkeypatch.setattr(build_zip, "build", no_build)
    build_zip.cached_build(tmp_path / "again.zip", "arm64", "3.13")
    assert (tmp_path / "again.zip").read_bytes() == built[0].read_bytes()

    package = tmp_path / "package"
    shutil.copytree(build_zip.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "handler.py").write_text((package / "handler.py").read_text() + "\n# edited\n")
    monkeypatch.setattr(build_zip, "PACKAGE", package)
    with pytest.raises(AssertionError, match="built again"):
        build_zip.cached_build(tmp_path / "edited.zip", "arm64", "3.13")
