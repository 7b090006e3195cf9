"""``sftcast submit verify``: reproduce a submission's predictions from its code, locally.

A ``submission.yaml`` may name ``predictor: module:Class`` (or a built-in name) with
``params`` (keyword arguments) and ``requirements`` (pip requirement strings). A maintainer
runs ``sftcast submit verify DIR``: the predictor runs under the official protocol in a
subprocess with a time limit, its predictions are compared with the submitted ones (absolute
tolerance 1e-6, after putting both in canonical pair order), and on a match the stored entry
is marked reproduced with the code's hash. The leaderboard server never runs submitted code.

The code's hash is sha256 over the predictor spec, its params (JSON), the requirements and
the source file of the module that defines the predictor's class.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from packaging.requirements import InvalidRequirement, Requirement

from benchmark.core.errors import SftcastError
from benchmark.core.predictors import get_predictor
from benchmark.core.protocol import predict
from benchmark.core.registry import import_object
from benchmark.core.schema import load_suite
from benchmark.core.scoring import validate_predictions
from leaderboard.submission import OFFICIAL_SEED, load_submission, read_predictions

ATOL = 1e-6
DEFAULT_TIMEOUT_S = 1800


@dataclass(frozen=True)
class Verification:
    name: str
    predictor: str
    code_sha256: str
    n_predictions: int
    max_abs_diff: float


def check_requirements(requirements: list[str]) -> None:
    """Each pip requirement must be satisfied in this environment (nothing is installed here)."""


    for text in requirements:
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            raise SftcastError(f"requirement {text!r} is not a valid pip requirement: {exc}") from exc
        try:
            have = version(req.name)
        except PackageNotFoundError as exc:
            raise SftcastError(f"requirement {text!r} is not installed; run: pip install '{text}'") from exc
        if req.specifier and not req.specifier.contains(have, prereleases=True):
            raise SftcastError(f"requirement {text!r} is not met: {req.name} {have} is installed")


def _instantiate(spec: str, params: dict[str, Any]) -> Any:
    if ":" not in spec:
        if params:
            raise SftcastError(f"built-in predictor {spec!r} takes no params; name a module:Class instead")
        return get_predictor(spec)
    obj = import_object(spec)
    try:
        pred = obj(**params) if callable(obj) else obj
    except TypeError as exc:
        raise SftcastError(f"{spec}: cannot construct with params {params}: {exc}") from exc
    if not (hasattr(pred, "fit") and hasattr(pred, "predict")):
        raise SftcastError(
            f"{spec!r} is not a predictor: it needs fit(train_models, task) and predict(pairs)"
        )
    return pred


def code_hash(spec: str, params: dict[str, Any], requirements: list[str], pred: Any) -> str:
    h = hashlib.sha256(json.dumps([spec, params, requirements], sort_keys=True, default=str).encode())
    try:
        h.update(Path(inspect.getsourcefile(type(pred)) or "").read_bytes())
    except (OSError, TypeError):
        pass  # a class without a source file: the spec and params stand for it
    return h.hexdigest()


def _worker(spec: str, params_json: str, requirements_json: str, out: str, suites: list[str]) -> None:
    """In the subprocess: run the predictor under the official protocol and write its predictions."""


    params, requirements = json.loads(params_json), json.loads(requirements_json)
    pred = _instantiate(spec, params)
    supervised = bool(getattr(pred, "supervised", False))
    for name in suites:
        suite = load_suite(name)
        frames = [predict(suite, _instantiate(spec, params), "splits", OFFICIAL_SEED)]
        if not supervised:
            frames.append(predict(suite, _instantiate(spec, params), "all-pairs", OFFICIAL_SEED))
        pd.concat(frames, ignore_index=True).to_parquet(Path(out) / f"{name}.parquet", index=False)
    (Path(out) / "code.json").write_text(
        json.dumps({"code_sha256": code_hash(spec, params, requirements, pred), "supervised": supervised})
    )


def reproduce(folder: str | Path, timeout_s: float = DEFAULT_TIMEOUT_S) -> Verification:
    """Run the submission's predictor in a subprocess and compare; raise SftcastError on any mismatch."""


    sub = load_submission(folder)
    meta = sub.meta
    if not meta.predictor:
        raise SftcastError(
            f"{sub.folder.name}: submission.yaml names no 'predictor: module:Class'; nothing to reproduce"
        )
    check_requirements(meta.requirements)
    with tempfile.TemporaryDirectory(prefix="sftcast-verify-") as tmp:
        cmd = [
            sys.executable,
            "-m",
            "leaderboard.verify",
            meta.predictor,
            json.dumps(meta.params),
            json.dumps(meta.requirements),
            tmp,
            *sorted(sub.files),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired as exc:
            raise SftcastError(
                f"{meta.predictor} did not finish within {timeout_s:g} s; not reproduced"
            ) from exc
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise SftcastError(f"{meta.predictor} failed in the verification run: {last}")
        code = json.loads((Path(tmp) / "code.json").read_text())
        if code["supervised"] != meta.supervised:
            raise SftcastError(
                f"{meta.predictor} says supervised={code['supervised']}, "
                f"submission.yaml says {meta.supervised}"
            )
        n, worst = 0, 0.0
        for suite_name, path in sorted(sub.files.items()):
            suite = load_suite(suite_name)
            mine, theirs = pd.read_parquet(Path(tmp) / f"{suite_name}.parquet"), read_predictions(path)
            theirs = theirs.assign(split_seed=pd.to_numeric(theirs["split_seed"], errors="coerce"))
            for protocol in ("splits", "all-pairs"):
                a = mine[(mine["split_seed"] >= 0) == (protocol == "splits")]
                b = theirs[(theirs["split_seed"] >= 0) == (protocol == "splits")]
                if not len(a) and not len(b):
                    continue
                if not len(a) or not len(b):
                    raise SftcastError(f"{path.name}: the code and the submission cover different protocols")
                pa = validate_predictions(a.reset_index(drop=True), suite, protocol, OFFICIAL_SEED)
                pb = validate_predictions(b.reset_index(drop=True), suite, protocol, OFFICIAL_SEED)
                diff = np.abs(pa["prob_a_better"].to_numpy() - pb["prob_a_better"].to_numpy())
                off = diff > ATOL
                if off.any():
                    k = int(np.flatnonzero(off)[0])
                    row = pa.iloc[k]
                    raise SftcastError(
                        f"{path.name} ({protocol}): {int(off.sum())} of {len(diff)} predictions differ from "
                        f"the code's by more than {ATOL:g} (max {diff.max():.3g}; e.g. task {row.task} split "
                        f"{row.split_seed}: ({row.model_a}, {row.model_b}) submitted "
                        f"{pb['prob_a_better'].iloc[k]:.6f}, code {row.prob_a_better:.6f}); not reproduced"
                    )
                n, worst = n + len(diff), max(worst, float(diff.max()))
    return Verification(meta.name, meta.predictor, code["code_sha256"], n, worst)


if __name__ == "__main__":
    _worker(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
