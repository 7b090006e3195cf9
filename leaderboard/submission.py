"""Submissions: the folder format, its validation, safe unzipping, and scoring by the core scorer.

A submission is a folder ``<name>/`` holding ``submission.yaml`` (metadata) and, for each
suite it covers, ``<suite>.parquet`` or ``<suite>.csv`` with the columns
``suite, task, split_seed, model_a, model_b, prob_a_better``. Rows with ``split_seed >= 0``
are the test pairs of the ``splits`` protocol; rows with ``split_seed == -1`` are the
``all-pairs`` set, required from unsupervised methods and refused from supervised ones
(they would have seen the test models' scores).

Everything here treats a submission as data: YAML is read with ``yaml.safe_load``, tables
with pandas/pyarrow, and nothing from a submission is imported or executed. Scoring calls
``benchmark.core.scoring``; there is no second scorer.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from benchmark.core.errors import SftcastError
from benchmark.core.protocol import SUBMISSION_PROTOCOLS
from benchmark.core.schema import list_suites, load_suite
from benchmark.core.scoring import pair_credits, score_credits
from benchmark.core.suite_spec import parse_budget
from leaderboard.ranking import encode_credits
from leaderboard.store import Entry

OFFICIAL_SEED = 0  # the seed of the official splits; every submission is scored on it
PROTOCOLS = SUBMISSION_PROTOCOLS
MAX_FILE_BYTES = 20 * 2**20  # one predictions file; a full zeng2025 submission is ~0.2 MB
MAX_ZIP_BYTES = 50 * 2**20  # an upload, compressed and uncompressed
MAX_ZIP_MEMBERS = 64
META_FILE = "submission.yaml"
PREDICTION_SUFFIXES = (".parquet", ".csv")
IGNORED = ("README.md", "LICENSE")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
COLUMNS = ["suite", "task", "split_seed", "model_a", "model_b", "prob_a_better"]


def check_name(name: str, what: str = "submission name") -> str:
    """Return ``name`` if it is a safe folder/row name, else raise a clear SftcastError."""
    if not isinstance(name, str) or not name.strip():
        raise SftcastError(f"{what} is empty")
    if "/" in name or "\\" in name or name in (".", "..") or "\x00" in name:
        raise SftcastError(f"{what} {name!r} contains a path separator; use letters, digits, '.', '_', '-'")
    if not NAME_RE.match(name) or ".." in name:
        raise SftcastError(
            f"{what} {name!r} has odd characters or is too long; use 1-64 of letters, digits, '.', '_', '-',"
            " starting with a letter or digit"
        )
    return name


@dataclass
class SubmissionMeta:
    """The contents of ``submission.yaml``."""

    name: str
    authors: list[str] = field(default_factory=list)
    url: str = ""
    description: str = ""
    proxies: list[str] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    supervised: bool = False
    budgets: dict[str, str] = field(default_factory=dict)  # suite -> the data budget its predictions used
    # optional, for ``sftcast submit verify``: the code that reproduces the predictions
    predictor: str = ""  # "module:Class" (or a built-in predictor name)
    params: dict[str, Any] = field(default_factory=dict)  # keyword arguments of the class
    requirements: list[str] = field(default_factory=list)  # pip requirement strings

    @classmethod
    def from_dict(cls, doc: Any, where: str = META_FILE) -> SubmissionMeta:
        if not isinstance(doc, dict):
            raise SftcastError(f"{where}: expected a mapping of metadata fields, got {type(doc).__name__}")
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(doc) - known)
        if unknown:
            raise SftcastError(
                f"{where}: unknown field(s) {', '.join(map(repr, unknown))} (known: {', '.join(known)})"
            )
        if doc.get("name") is None:  # absent, or `name:` left empty
            raise SftcastError(f"{where}: the field 'name' is required")
        if "supervised" in doc and not isinstance(doc["supervised"], bool):
            raise SftcastError(f"{where}: 'supervised' must be true or false, got {doc['supervised']!r}")
        out: dict[str, Any] = {
            "name": check_name(str(doc["name"])),
            "supervised": bool(doc.get("supervised", False)),
        }
        for key in ("url", "description"):
            value = doc.get(key) or ""
            if not isinstance(value, str):
                raise SftcastError(f"{where}: {key!r} must be a string")
            out[key] = value.strip()[:2000]
        for key in ("authors", "proxies", "features"):
            value = doc.get(key) or []
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise SftcastError(f"{where}: {key!r} must be a list of strings")
            out[key] = [v[:200] for v in value][:50]
        if out["url"] and not re.match(r"^https?://\S+$", out["url"]):
            raise SftcastError(f"{where}: 'url' must start with http:// or https://")
        out["budgets"] = _budgets(doc.get("budgets"), where)
        out.update(_code_fields(doc, where))
        return cls(**out)

    def to_dict(self) -> dict[str, Any]:
        """The fields as ``submission.yaml`` holds them; budgets (stated only for suites with probes)
        and the optional code fields only when set, so older metadata stays as it was."""
        doc = asdict(self)
        for key in ("budgets", "predictor", "params", "requirements"):
            if not doc[key]:
                del doc[key]
        return doc


def _budgets(value: Any, where: str) -> dict[str, str]:
    """``budgets: {suite: "1/64"}``: the data budget of each covered suite that has probes."""

    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SftcastError(f"{where}: 'budgets' must map suite names to fractions such as 1/64")
    return {str(k): str(parse_budget(v, f"{where}: budgets.{k}")) for k, v in value.items()}


SPEC_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*(:[A-Za-z_][A-Za-z0-9_.]*)?$")


def _code_fields(doc: dict[str, Any], where: str) -> dict[str, Any]:
    """``predictor``, ``params`` and ``requirements`` of a ``submission.yaml``, checked (never run)."""
    spec = doc.get("predictor") or ""
    if not isinstance(spec, str) or (spec and not SPEC_RE.match(spec.strip())):
        raise SftcastError(f"{where}: 'predictor' must be 'module:Class' or a built-in name, got {spec!r}")
    params = doc.get("params") or {}
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
        raise SftcastError(f"{where}: 'params' must be a mapping of keyword arguments")
    try:
        json.dumps(params)
    except (TypeError, ValueError) as exc:
        raise SftcastError(f"{where}: 'params' must hold plain values (numbers, strings, lists)") from exc
    reqs = doc.get("requirements") or []
    if isinstance(reqs, str):
        reqs = [reqs]
    if not isinstance(reqs, list) or not all(isinstance(r, str) for r in reqs):
        raise SftcastError(f"{where}: 'requirements' must be a pip requirement or a list of them")
    if (params or reqs) and not spec:
        raise SftcastError(f"{where}: 'params' and 'requirements' need a 'predictor'")
    return {"predictor": spec.strip(), "params": params, "requirements": [r.strip() for r in reqs][:20]}


@dataclass
class Submission:
    """A validated submission folder: metadata and one predictions file per covered suite."""

    folder: Path
    meta: SubmissionMeta
    files: dict[str, Path]  # suite -> predictions file

    def sha256(self) -> str:
        """A content hash of the metadata and the predictions files."""
        h = hashlib.sha256(yaml.safe_dump(self.meta.to_dict(), sort_keys=True).encode())
        for suite in sorted(self.files):
            h.update(suite.encode())
            h.update(self.files[suite].read_bytes())
        return h.hexdigest()


def _check_size(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SftcastError(
            f"{path.name}: file is {size / 2**20:.1f} MB, over the {MAX_FILE_BYTES // 2**20} MB limit"
        )


def load_submission(folder: str | Path, meta: SubmissionMeta | None = None) -> Submission:
    """Read and check a submission folder (file level: names, sizes, metadata, suites).

    ``meta`` replaces ``submission.yaml`` (the upload form supplies it). The folder may cover
    any subset of the known suites, but at least one.
    """

    folder = Path(folder)
    if not folder.is_dir():
        raise SftcastError(f"submission folder not found: {folder}")
    known_suites = list_suites()
    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name in IGNORED or path.name == META_FILE:
            continue
        if path.is_symlink() or not path.is_file():
            raise SftcastError(
                f"{path.name}: only plain files are allowed in a submission (no folders or links)"
            )
        if path.suffix not in PREDICTION_SUFFIXES:
            raise SftcastError(
                f"{path.name}: unexpected file; a submission holds {META_FILE} "
                "and <suite>.parquet or <suite>.csv"
            )
        check_name(path.stem, "file name")
        if path.stem not in known_suites:
            raise SftcastError(f"{path.name}: unknown suite {path.stem!r} (known: {', '.join(known_suites)})")
        if path.stem in files:
            raise SftcastError(
                f"suite {path.stem!r} has two predictions files; keep one of .parquet and .csv"
            )
        _check_size(path)
        files[path.stem] = path
    if meta is None:
        meta_path = folder / META_FILE
        if not meta_path.is_file() or meta_path.is_symlink():
            raise SftcastError(f"{folder.name}: missing {META_FILE}")
        meta = SubmissionMeta.from_dict(read_meta(meta_path))
    if not files:
        raise SftcastError(
            f"{folder.name}: no predictions file; add <suite>.parquet or <suite>.csv for one of: "
            + ", ".join(known_suites)
        )
    return Submission(folder, meta, files)


def read_meta(path: Path) -> dict[str, Any]:
    """The mapping in a ``submission.yaml``, read with ``yaml.safe_load`` (never executed)."""
    _check_size(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SftcastError(f"{META_FILE}: not valid YAML: {str(exc).splitlines()[0]}") from exc
    if not isinstance(doc, dict):
        raise SftcastError(f"{META_FILE}: expected a mapping of metadata fields, got {type(doc).__name__}")
    return doc


def read_predictions(path: Path) -> pd.DataFrame:
    """Read a predictions table (parquet or CSV) as data, with a clear error if unreadable."""
    _check_size(path)
    try:
        if path.suffix == ".parquet":
            df = pd.read_parquet(path)
        else:
            df = pd.read_csv(path, dtype={"model_a": str, "model_b": str, "suite": str, "task": str})
    except Exception as exc:  # any parser failure is the uploader's malformed file
        raise SftcastError(
            f"{path.name}: cannot read as {path.suffix[1:]}: {str(exc).splitlines()[0]}"
        ) from exc
    missing = [c for c in COLUMNS if c not in df.columns]
    extra = [c for c in df.columns if c not in COLUMNS]
    if missing or extra:
        parts = []
        if missing:
            parts.append("missing column(s) " + ", ".join(map(repr, missing)))
        if extra:
            parts.append("unexpected column(s) " + ", ".join(map(repr, map(str, extra))))
        raise SftcastError(f"{path.name}: {'; '.join(parts)} (expected: {', '.join(COLUMNS)})")
    return df


def score_submission(sub: Submission, source: str = "upload") -> Entry:
    """Validate every predictions file against the official protocols and score it.

    Returns a store ``Entry`` with ``results[suite][protocol]`` = the scorer's results JSON.
    """

    results: dict[str, dict[str, dict]] = {}
    credits: dict[str, dict[str, bytes]] = {}
    for suite_name, path in sub.files.items():
        df = read_predictions(path)
        where = path.name
        try:
            seeds = pd.to_numeric(df["split_seed"], errors="raise")
        except (ValueError, TypeError) as exc:
            raise SftcastError(f"{where}: column 'split_seed' must hold integers") from exc
        other = sorted({str(s) for s in df["suite"].unique()} - {suite_name})
        if other:
            raise SftcastError(f"{where}: rows for unknown or other suite(s) {', '.join(map(repr, other))}")
        suite = load_suite(suite_name)
        parts = {"splits": df[seeds >= 0], "all-pairs": df[seeds == -1]}
        bad = df[(seeds < -1) | seeds.isna()]
        if len(bad):
            raise SftcastError(
                f"{where}: split_seed must be -1 (all-pairs) or a split number, "
                f"got {bad['split_seed'].iloc[0]}"
            )
        if sub.meta.supervised and len(parts["all-pairs"]):
            raise SftcastError(
                f"{where}: a supervised method cannot be scored on all-pairs (split_seed -1): "
                "it would have trained on the test models; send the splits rows only"
            )
        if not sub.meta.supervised and not len(parts["all-pairs"]):
            raise SftcastError(
                f"{where}: an unsupervised method must also cover the all-pairs set (split_seed -1)"
            )
        results[suite_name], credits[suite_name] = {}, {}
        for protocol, part in parts.items():
            if not len(part):
                continue
            try:
                # pair_credits validates first (columns, ids, pairs, NaN/inf, range)
                preds = pair_credits(part.reset_index(drop=True), suite, protocol, seed=OFFICIAL_SEED)
            except SftcastError as exc:
                raise SftcastError(f"{where} ({protocol}): {exc}") from exc
            results[suite_name][protocol] = score_credits(preds, suite, protocol, seed=OFFICIAL_SEED)
            credits[suite_name][protocol] = encode_credits(preds, suite.model_ids)
    return Entry(
        name=sub.meta.name,
        meta=sub.meta.to_dict(),
        supervised=sub.meta.supervised,
        results=results,
        sha256=sub.sha256(),
        source=source,
        credits=credits,
    )


def extract_zip(zip_path: str | Path, dest: str | Path) -> Path:
    """Safely extract an uploaded zip into ``dest`` and return the submission folder in it.

    Refuses absolute paths and ``..`` (zip-slip), links, too many members, and more than
    ``MAX_ZIP_BYTES`` of content (checked while reading, so a lying header cannot bomb us).
    A zip whose files all sit in one top-level folder is unwrapped.
    """
    zip_path, dest = Path(zip_path), Path(dest)
    if zip_path.stat().st_size > MAX_ZIP_BYTES:
        raise SftcastError(
            f"upload is {zip_path.stat().st_size / 2**20:.1f} MB, over the {MAX_ZIP_BYTES // 2**20} MB limit"
        )
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SftcastError(f"upload is not a valid zip file: {exc}") from exc
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir() and not _junk(m.filename)]
        if len(members) > MAX_ZIP_MEMBERS:
            raise SftcastError(f"zip holds {len(members)} files; at most {MAX_ZIP_MEMBERS} are allowed")
        if not members:
            raise SftcastError("zip is empty")
        root = dest.resolve()
        total = 0
        for m in members:
            name = m.filename
            parts = name.split("/")
            if name.startswith("/") or "\\" in name or ".." in parts or re.match(r"^[A-Za-z]:", name):
                raise SftcastError(
                    f"zip entry {name!r} points outside the submission folder (zip-slip); refused"
                )
            if stat.S_ISLNK(m.external_attr >> 16):
                raise SftcastError(f"zip entry {name!r} is a symbolic link; only plain files are allowed")
            if len(parts) > 2:
                raise SftcastError(
                    f"zip entry {name!r} is nested too deep; put the files at the top or in one folder"
                )
            for part in parts:
                check_name(part, "zip entry name")
            target = (root / name).resolve()
            if root not in target.parents:
                raise SftcastError(
                    f"zip entry {name!r} points outside the submission folder (zip-slip); refused"
                )
            if m.file_size > MAX_FILE_BYTES:
                raise SftcastError(
                    f"{parts[-1]}: file is {m.file_size / 2**20:.1f} MB, "
                    f"over the {MAX_FILE_BYTES // 2**20} MB limit"
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(m) as src, open(target, "wb") as out:
                written = 0
                while chunk := src.read(1 << 16):
                    written += len(chunk)
                    total += len(chunk)
                    if written > MAX_FILE_BYTES or total > MAX_ZIP_BYTES:
                        raise SftcastError(f"{parts[-1]}: uncompressed content is over the size limit")
                    out.write(chunk)
    tops = {m.filename.split("/")[0] for m in members}
    if len(tops) == 1 and all("/" in m.filename for m in members):
        return root / tops.pop()
    return root


def _junk(name: str) -> bool:
    return name.startswith("__MACOSX/") or name.split("/")[-1] in (".DS_Store",)
