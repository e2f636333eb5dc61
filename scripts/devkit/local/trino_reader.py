"""Trino's own CSV reader (``tests/reader``), built once and run over many objects per JVM (tests only).

``tests/reader`` is a small Java program on Trino 483's ``trino-hive-formats`` (``CsvDeserializer``
through ``CsvDeserializerFactory``, ``TextLineReader`` through ``TextLineReaderFactory``), wired as
Trino's Hive connector wires an OpenCSVSerde table: the SerDe parameters with the table parameters
laid over them, header and footer skips from those, compression from the key's extension. It needs
Java 25 (Trino 483's release) and Maven; the versions are pinned in its ``pom.xml``.

``build()`` compiles it into ``build/trino-reader/<hash of the pom and sources>/`` (a second call,
or a second test session, finds it there); ``python -m devkit.local.trino_reader build`` is what
``make trino-reader`` runs. Where Java 25 or Maven is missing, ``unavailable()`` says so in one line
and ``table_reader()`` hands back the port (``devkit.local.athena_csv``), which follows the same
rules in Python.

Values: open-source Trino reads every OpenCSVSerde column as VARCHAR (its ``CsvDeserializer``
refuses other types); Athena converts text to the declared type. Typed columns are converted here
with the port's ``typed`` (Athena's documented conversions), from the strings Trino read.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from devkit.local import athena_csv
from devkit.paths import ROOT

READER_DIR = ROOT / "tests" / "reader"
BUILD_ROOT = ROOT / "build" / "trino-reader"
MAIN_CLASS = "connector.reader.TrinoReader"
JAVA_RELEASE = 25
JAVA_HOME_CANDIDATES = ("/usr/lib/jvm/temurin-25-jdk-amd64", "/usr/lib/jvm/temurin-25-jdk-arm64")
# A short-lived JVM: no JIT tiers beyond C1, class data sharing on.
JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-Xshare:auto", "--enable-native-access=ALL-UNNAMED")

Row = tuple[Any, ...]


class ReaderError(RuntimeError):
    """Trino's reader refused an object (the message is Trino's)."""


def _sources() -> list[Path]:
    return [READER_DIR / "pom.xml", *sorted((READER_DIR / "src").rglob("*.java"))]


def build_dir() -> Path:
    digest = hashlib.sha256()
    for path in _sources():
        digest.update(path.relative_to(READER_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return BUILD_ROOT / digest.hexdigest()[:16]


def java_home() -> Path | None:
    """A JDK of release 25 or later: ``TRINO_READER_JAVA_HOME``, ``JAVA_HOME``, then the usual folders."""
    candidates = [os.environ.get("TRINO_READER_JAVA_HOME", ""), os.environ.get("JAVA_HOME", "")]
    for candidate in [*candidates, *JAVA_HOME_CANDIDATES]:
        if candidate and _release(Path(candidate)) >= JAVA_RELEASE:
            return Path(candidate)
    return None


def _release(home: Path) -> int:
    release = home / "release"
    if not (home / "bin" / "javac").exists() or not release.exists():
        return 0
    for line in release.read_text().splitlines():
        if line.startswith("JAVA_VERSION="):
            return int(line.split("=", 1)[1].strip('"').split(".")[0])
    return 0


def unavailable() -> str | None:
    """Why the reader cannot be built here (one line), or None."""
    if java_home() is None:
        return f"Trino's reader needs Java {JAVA_RELEASE} (a JDK: TRINO_READER_JAVA_HOME or JAVA_HOME); the port reads"
    if shutil.which("mvn") is None:
        return "Trino's reader needs Maven (mvn on PATH); the port reads"
    return None


def build() -> Path:
    """The built reader's folder (built now when this pom and these sources were never built)."""
    target = build_dir()
    if (target / "ready").exists():
        return target
    home = java_home()
    if home is None or shutil.which("mvn") is None:
        raise RuntimeError(unavailable())
    staging = Path(tempfile.mkdtemp(prefix="building-", dir=_ensure(BUILD_ROOT)))
    command = ["mvn", "-B", "-q", "-f", str(READER_DIR / "pom.xml"), "package", f"-Dreader.out={staging}"]
    environment = {**os.environ, "JAVA_HOME": str(home)}
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise RuntimeError(f"building Trino's reader failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    (staging / "ready").write_text(str(home))
    try:
        staging.rename(target)
    except OSError:  # built meanwhile by another session
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Job:
    """One object read with one table's definition."""

    key: str
    data: bytes
    table: Mapping[str, Any]  # a Glue table (GetTable's "Table")


class TableReader(Protocol):
    def read_table(self, table: Mapping[str, Any], objects: Sequence[tuple[str, bytes]]) -> list[Row]: ...

    def read_strings(self, jobs: Sequence[Job]) -> list[list[tuple[str | None, ...]] | ReaderError]: ...


class TrinoReader:
    """Runs the built reader: one JVM per call, every job of the call in it."""

    name = "Trino 483's reader (tests/reader)"

    def __init__(self, folder: Path) -> None:
        home = Path((folder / "ready").read_text().strip())
        self._command = [
            str(home / "bin" / "java"),
            *JVM_OPTIONS,
            "-cp",
            f"{folder / 'classes'}{os.pathsep}{folder / 'lib' / '*'}",
            MAIN_CLASS,
        ]

    def read_strings(self, jobs: Sequence[Job]) -> list[list[tuple[str | None, ...]] | ReaderError]:
        """Each job's rows as Trino reads them (every column VARCHAR), or the error Trino raised."""
        if not jobs:
            return []
        with tempfile.TemporaryDirectory(prefix="trino-reader-") as folder:
            requests = []
            for number, job in enumerate(jobs):
                path = Path(folder) / str(number)
                path.write_bytes(job.data)
                requests.append(_request(job, path))
            done = subprocess.run(
                self._command, input=json.dumps(requests).encode(), capture_output=True, check=False, timeout=300
            )
        if done.returncode != 0:
            raise RuntimeError(f"Trino's reader failed: {done.stderr.decode(errors='replace')[-4000:]}")
        results: list[list[tuple[str | None, ...]] | ReaderError] = []
        for answer in json.loads(done.stdout):
            if "error" in answer:
                results.append(ReaderError(answer["error"]))
            else:
                results.append([tuple(row) for row in answer["rows"]])
        return results

    def read_table(self, table: Mapping[str, Any], objects: Sequence[tuple[str, bytes]]) -> list[Row]:
        """Every row of ``objects`` (key, stored bytes) as Athena returns the Glue ``table``'s columns."""
        rows: list[Row] = []
        for result in self.read_strings([Job(key, data, table) for key, data in objects]):
            if isinstance(result, ReaderError):
                raise result
            rows.extend(athena_csv.typed_row(table, row) for row in result)
        return rows


def _request(job: Job, path: Path) -> dict[str, Any]:
    storage = job.table["StorageDescriptor"]
    return {
        "key": job.key,
        "path": str(path),
        "columns": [column["Name"] for column in storage["Columns"]],
        "serde_library": storage["SerdeInfo"].get("SerializationLibrary", ""),
        "input_format": storage.get("InputFormat", ""),
        "serde_parameters": storage["SerdeInfo"].get("Parameters", {}),
        "table_parameters": job.table.get("Parameters", {}),
    }


class PortReader:
    """The Python port (``devkit.local.athena_csv``): where Java 25 or Maven is missing, and for speed."""

    name = "the port (devkit.local.athena_csv)"

    def read_strings(self, jobs: Sequence[Job]) -> list[list[tuple[str | None, ...]] | ReaderError]:
        results: list[list[tuple[str | None, ...]] | ReaderError] = []
        for job in jobs:
            try:
                results.append(athena_csv.read_strings(job.table, job.key, job.data))
            except (UnicodeDecodeError, ValueError) as exc:
                results.append(ReaderError(str(exc)))
        return results

    def read_table(self, table: Mapping[str, Any], objects: Sequence[tuple[str, bytes]]) -> list[Row]:
        return athena_csv.read_table(table, objects)


def description() -> str:
    """One line: which reader the catalog tests read with, and why when it is the port."""
    if os.environ.get("TABLE_READER") == "port":
        return "the port (TABLE_READER=port)"
    return unavailable() or TrinoReader.name


def table_reader() -> TableReader:
    """Trino's reader when it can be built here, else the port (``unavailable()`` says why);
    ``TABLE_READER=port`` in the environment chooses the port (quicker runs while editing)."""
    if unavailable() is not None or os.environ.get("TABLE_READER") == "port":
        return PortReader()
    return TrinoReader(build())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devkit.local.trino_reader", description=__doc__)
    parser.add_argument("command", choices=["build"])
    parser.parse_args(argv)
    reason = unavailable()
    if reason is not None:
        print(f"trino-reader: skipped: {reason}")
        return 0
    started = time.monotonic()
    was_built = (build_dir() / "ready").exists()
    folder = build()
    state = "up to date" if was_built else f"built in {time.monotonic() - started:.1f} s"
    print(f"trino-reader: {state}: {folder.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
