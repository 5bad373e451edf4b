"""Settings that change without a restart: the rate limits and the synonym file.

``SETTINGS`` (``VIETSEARCH_SETTINGS``) names a file of ``NAME = value`` lines, ``#`` comments,
names with or without the ``VIETSEARCH_`` prefix (so a systemd ``EnvironmentFile`` works too):
``RATE_LIMIT``, ``WRITE_RATE_LIMIT`` and ``SYNONYMS`` (a path, relative to the settings file's
folder). Its values win over the environment; a setting it leaves out keeps its value from the
environment or the default.

Everything is checked before anything is used: ``check_settings`` reads the file and the
synonym file it names and returns them ready, or raises ``SettingsRefused`` with every problem
as ``file:line: why``. A server keeps the checked settings in its run folder (``publish``), a
numbered copy a time, and its workers use only those copies (``web.reload``), so a file that
went bad after it was checked never reaches a worker, even one started later.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from flask import Config

from indexer import SynonymError, Synonyms, load_synonyms
from web.limits import DEFAULT_RATE_LIMIT, DEFAULT_WRITE_RATE_LIMIT, RateLimit, parse_rate

RELOADABLE = ("RATE_LIMIT", "WRITE_RATE_LIMIT", "SYNONYMS")
DEFAULTS = {"RATE_LIMIT": DEFAULT_RATE_LIMIT, "WRITE_RATE_LIMIT": DEFAULT_WRITE_RATE_LIMIT}
SNAPSHOTS_KEPT = 5
_PREFIX = "VIETSEARCH_"


class SettingsRefused(ValueError):
    """Settings that will not be used; ``problems`` holds one ``file:line: why`` each."""

    def __init__(self, problems: list[str]):
        super().__init__("the settings were refused:\n" + "\n".join(problems))
        self.problems = problems


@dataclass
class Checked:
    """Settings that passed every check, ready to use."""

    values: dict  # RATE_LIMIT, WRITE_RATE_LIMIT, SYNONYMS (the operator's path or None)
    limits: dict[str, RateLimit | None]
    synonyms: Synonyms
    synonym_bytes: bytes | None = field(default=None, repr=False)
    generation: int = 0

    def summary(self) -> dict:
        """What is in force, for people: the answer of POST /api/admin/reload."""
        return {
            "generation": self.generation,
            "rate_limit": _rate_text(self.limits["read"]),
            "write_rate_limit": _rate_text(self.limits["write"]),
            "synonyms": {"file": self.values["SYNONYMS"], "variants": len(self.synonyms)},
        }


def merged_config(config: Mapping | None) -> Config:
    """The settings as ``create_app`` merges them: defaults, ``VIETSEARCH_*``, then ``config``."""
    merged = Config(".")
    merged.from_mapping(DEFAULTS)
    merged.from_prefixed_env("VIETSEARCH")
    merged.from_mapping(config or {})
    return merged


def check_settings(base: Mapping) -> Checked:
    """The reloadable settings of ``base`` with the ``SETTINGS`` file over them, checked."""
    values = {name: base.get(name) for name in RELOADABLE}
    origins = {name: f"the {name} setting" for name in RELOADABLE}
    problems: list[str] = []
    if base.get("SETTINGS"):
        try:
            for name, (value, origin) in read_settings_file(base["SETTINGS"]).items():
                values[name], origins[name] = value, origin
        except SettingsRefused as exc:
            problems += exc.problems
    limits = {}
    for kind, name in (("read", "RATE_LIMIT"), ("write", "WRITE_RATE_LIMIT")):
        try:
            limits[kind] = parse_rate(values[name], name)
        except ValueError as exc:
            problems.append(f"{origins[name]}: {exc}")
    synonyms, data = _checked_synonyms(values["SYNONYMS"], problems)
    if problems:
        raise SettingsRefused(problems)
    return Checked(values, limits, synonyms, data)


def read_settings_file(path: str | os.PathLike) -> dict[str, tuple[str, str]]:
    """``NAME → (value, "file:line")`` from a settings file; ``SettingsRefused`` naming the
    line of every problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise SettingsRefused([f"{path}: cannot read the settings file: {reason}"]) from None
    found: dict[str, tuple[str, str]] = {}
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{path}:{number}"
        try:
            parsed = _setting(line, Path(path).parent)
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
            continue
        if parsed is not None:
            name, value = parsed
            if name in found:
                problems.append(f"{where}: {name} is set twice (first on {found[name][1]})")
            found[name] = (value, where)
    if problems:
        raise SettingsRefused(problems)
    return found


def _setting(line: str, folder: Path) -> tuple[str, str] | None:
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    name, equals, value = text.removeprefix("export ").partition("=")
    name, value = name.strip().removeprefix(_PREFIX), value.strip()
    if not equals or not name:
        raise ValueError("expected NAME = value")
    if name not in RELOADABLE:
        raise ValueError(f"{name} cannot be set here; only {', '.join(RELOADABLE)}")
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    if name == "SYNONYMS" and value:
        value = str(folder / value)
    return name, value


def _checked_synonyms(path: object, problems: list[str]) -> tuple[Synonyms, bytes | None]:
    """The dictionary with the file at ``path``, read once: the bytes checked are the bytes
    kept (``publish``)."""
    if not path:
        return load_synonyms(None), None
    try:
        data = Path(str(path)).read_bytes()
    except OSError as exc:
        problems.append(f"{path}: cannot read the synonym file: {exc.strerror}")
        return Synonyms(), None
    with tempfile.TemporaryDirectory(prefix="vietsearch-synonyms-") as scratch:
        copy = Path(scratch) / "synonyms.txt"
        copy.write_bytes(data)
        try:
            return load_synonyms(copy), data
        except SynonymError as exc:  # name the operator's file, not the copy
            problems += [p.replace(str(copy), str(path), 1) for p in exc.problems]
            return Synonyms(), None


# --- the run folder's numbered copies --------------------------------------------------------


def publish(run_dir: str | os.PathLike, checked: Checked) -> int:
    """Keep ``checked`` as the run folder's next generation; return its number."""
    folder = Path(run_dir) / "settings"
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder):
        generation = current_generation(run_dir) + 1
        staging = Path(tempfile.mkdtemp(dir=folder, prefix=".new-"))
        values = dict(checked.values)
        if checked.synonym_bytes is not None:
            (staging / "synonyms.txt").write_bytes(checked.synonym_bytes)
        (staging / "values.json").write_text(json.dumps(values), encoding="utf-8")
        os.rename(staging, folder / str(generation))
        _write_atomically(folder / "current", str(generation))
        for old in folder.iterdir():
            if old.name.isdigit() and int(old.name) <= generation - SNAPSHOTS_KEPT:
                shutil.rmtree(old, ignore_errors=True)
    checked.generation = generation
    return generation


def current_generation(run_dir: str | os.PathLike) -> int:
    """The newest generation of checked settings in the run folder (0: none yet)."""
    try:
        return int((Path(run_dir) / "settings" / "current").read_text())
    except (OSError, ValueError):
        return 0


def load_published(run_dir: str | os.PathLike, generation: int) -> Checked:
    """Generation ``generation`` of the run folder, ready to use (checked when published)."""
    folder = Path(run_dir) / "settings" / str(generation)
    values = json.loads((folder / "values.json").read_text(encoding="utf-8"))
    copy = folder / "synonyms.txt"
    synonyms = load_synonyms(copy if copy.exists() else None)
    limits = {
        "read": parse_rate(values["RATE_LIMIT"], "RATE_LIMIT"),
        "write": parse_rate(values["WRITE_RATE_LIMIT"], "WRITE_RATE_LIMIT"),
    }
    return Checked(values, limits, synonyms, generation=generation)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    with open(folder / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _rate_text(limit: RateLimit | None) -> str:
    return "off" if limit is None else f"{limit.count}/{limit.unit}"
