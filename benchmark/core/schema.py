"""Suites: sets of models with their pre-training configuration, proxies and SFT scores.

A suite is declared as data: ``benchmark/suites/<name>.yaml`` names a data file and maps
canonical names onto its columns. Loading validates the data and gives a ``Suite`` whose
``models`` frame has canonical columns:

- ``model_id`` (str), the configuration columns, any extra columns kept as they are;
- one column per proxy, named after it (``ppl_clm``, ``ppl_sc``, ``kshot_cms``, ...), all
  "higher is better" (perplexities are stored as 1/ppl, as in the paper);
- one column ``sft_<task>`` per task (``sft_cms``, ``sft_rag``, ``sft_cbqa``).
"""

from __future__ import annotations

import difflib
import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from benchmark.core.errors import SftcastError
from benchmark.core.suite_spec import (
    SuiteSpec,
    add_declared_columns,
    lines_for,
    parse_spec,
    read_declaration,
    task_view,
)
from benchmark.core.vocab import KSHOT_PROXIES, PROXIES, TASKS, task_column

SUITES_DIR = Path(__file__).resolve().parents[1] / "suites"


@dataclass
class Suite:
    """A validated suite. ``meta`` holds the YAML declaration (citation, quirks, published)."""

    name: str
    models: pd.DataFrame
    proxies: list[str]
    tasks: list[str]
    config_columns: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)
    spec: SuiteSpec = field(default_factory=SuiteSpec, repr=False)
    root: str = ""  # the folder of the suite's declaration: the files it names are relative to it

    def table(self, kind: str) -> pd.DataFrame | None:
        """An extra table the suite declares (``tables: {kind: file.csv}``), e.g. ``seeds``."""
        name = self.meta.get("tables", {}).get(kind)
        if name is None:
            return None
        path = Path(self.source).parent / name
        if not path.exists():
            raise SftcastError(f"suite {self.name!r} declares table {kind!r}, but {path} does not exist")
        return pd.read_csv(path, dtype={"model_id": str})

    @property
    def signals(self) -> list[str]:
        """Measured signals beyond the paper's proxies (``extra_signals`` in the suite YAML): numeric
        columns that predictors see beside the proxies, in ``fit`` and in the pairs (``<col>_a/_b``)."""
        return declared_signals(self.meta) + list(self.spec.signals)

    def direction(self, task: str) -> str:
        """The task's label direction: ``"higher"`` (accuracy) or ``"lower"`` (loss) is better."""
        self.check_task(task)
        return self.spec.direction(task)

    def goodness(self, task: str) -> pd.Series:
        """The task's labels oriented so that higher is better (a loss is negated)."""
        scores = self.scores(task)
        return -scores if self.direction(task) == "lower" else scores

    def labelled_ids(self, task: str, model_ids: list[str] | None = None) -> list[str]:
        """The models (of ``model_ids``, default all) that have a label for ``task``, in suite order."""
        scores = self.scores(task)
        ids = self.model_ids if model_ids is None else list(model_ids)
        return [m for m in ids if pd.notna(scores.loc[m])]

    def missing_labels(self, task: str) -> int:
        """How many models lack a label for ``task`` (left out of that task's pairs)."""
        return int(self.scores(task).isna().sum())

    def view(
        self, models: pd.DataFrame | None, label_task: str | None, task: str, budget: Any = None
    ) -> pd.DataFrame:
        """The models as a predictor sees them for ``task`` (see ``suite_spec.task_view``)."""
        extra = {
            s: ("lower" if s in set(self.meta.get("lower_is_better", [])) else "higher")
            for s in declared_signals(self.meta)
        }
        frame = self.models if models is None else models
        return task_view(frame, self.spec, label_task, task, budget, self.proxies, extra, self.name)

    def digest(self) -> str:
        """A content hash of what scoring reads: the model ids, the SFT labels of every task and
        PPL-CLM (the error-reduction baseline). Results scored against another version of these
        can be told apart; a new extra signal or raw perplexity leaves it as it was."""

        cols = ["model_id", *(task_column(t) for t in self.tasks)]
        cols += ["ppl_clm"] if "ppl_clm" in self.models else []
        digest = hashlib.sha256("\x1f".join(cols).encode())
        digest.update(pd.util.hash_pandas_object(self.models[cols], index=False).to_numpy().tobytes())
        return digest.hexdigest()

    def harness_key(self, proxy: str) -> str:
        """The key of ``compute_proxies``' record (and of the suite's checkpoints table) that holds
        this canonical proxy: ``harness_keys`` in the suite YAML, else the proxy's own name."""
        return str(self.meta.get("harness_keys", {}).get(proxy, proxy))

    @property
    def model_ids(self) -> list[str]:
        return self.models["model_id"].tolist()

    def scores(self, task: str) -> pd.Series:
        """SFT scores of a task, indexed by model id."""
        self.check_task(task)
        return self.models.set_index("model_id")[task_column(task)]

    def check_task(self, task: str) -> None:
        if task not in self.tasks:
            raise SftcastError(f"suite {self.name!r} has no task {task!r} (tasks: {', '.join(self.tasks)})")

    def check_models(self, ids: list[str] | pd.Series) -> None:
        known = set(self.model_ids)
        unknown = sorted({str(i) for i in ids} - known)
        if unknown:
            shown = ", ".join(repr(u) for u in unknown[:5])
            raise SftcastError(f"unknown model id(s) {shown} for suite {self.name!r} ({len(known)} models)")


def suite_scale(models: pd.DataFrame) -> dict[str, float]:
    """Factor per proxy turning a harness value (a fraction) into a suite's unit (1, or 100 for percent)."""
    return {p: 100.0 if p in KSHOT_PROXIES and float(models[p].max()) > 1.0 else 1.0 for p in PROXIES}


def list_suites() -> list[str]:
    """Names of the suites shipped with the package."""
    return sorted(p.stem for p in SUITES_DIR.glob("*.yaml") if _is_suite_yaml(p))


def _is_suite_yaml(path: Path) -> bool:
    """A suite declaration whose data file exists (a declared suite not yet collected is not listed)."""
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError:
        return False
    return isinstance(doc, dict) and "data" in doc and "tasks" in doc and (path.parent / doc["data"]).exists()


def load_suite(name_or_path: str | Path) -> Suite:
    """Load and validate a suite by name (``"zeng2025"``) or by the path of its YAML or CSV.

    A bare CSV must already use canonical columns: ``model_id``, proxy names and ``sft_<task>``.
    """
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return _load_declared(path)
    if path.suffix in (".csv", ".parquet") and path.exists():
        decl = {
            "name": path.stem,
            "data": str(path.resolve()),
            "proxies": {p: p for p in PROXIES},
            "tasks": {t: task_column(t) for t in TASKS},
        }
        return _load(decl, path, parse_spec(decl, lines_for(path.name)))
    declared = SUITES_DIR / f"{name_or_path}.yaml"
    if declared.exists() and _is_suite_yaml(declared):
        return _load_declared(declared)

    close = difflib.get_close_matches(str(name_or_path), list_suites(), n=3)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise SftcastError(f"unknown suite {str(name_or_path)!r}{hint} (known: {', '.join(list_suites())})")


def _load_declared(path: Path) -> Suite:
    decl, lines = read_declaration(path)
    return _load(decl, path, parse_spec(decl, lines))


def suite_declaration(suite: str) -> dict[str, Any]:
    """The suite's YAML declaration (``benchmark/suites/<suite>.yaml``), or {} when it has none."""
    path = SUITES_DIR / f"{suite}.yaml"
    return yaml.safe_load(path.read_text()) if path.exists() else {}


def declared_signals(decl: dict[str, Any]) -> list[str]:
    """The ``extra_signals`` a suite declaration (its YAML, or ``Suite.meta``) lists, as strings."""
    return [str(c) for c in decl.get("extra_signals", [])]


def _read_table(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise SftcastError(f"suite data file not found: {path}")
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, dtype={"model_id": str}, keep_default_na=False, na_values=[""])


def _load(decl: dict[str, Any], decl_path: Path, spec: SuiteSpec) -> Suite:
    data_path = Path(decl["data"])
    if not data_path.is_absolute():
        data_path = decl_path.parent / data_path
    raw = _read_table(data_path)
    where = data_path.name
    id_col = decl.get("id_column", "model_id")
    proxies: dict[str, str] = dict(decl.get("proxies") or {})
    tasks = {t: s.column for t, s in spec.tasks.items() if s.data is None}  # labels in the main file
    optional = {task_column(t) for t, s in spec.tasks.items() if s.optional}
    config_cols: list[str] = list(decl.get("config_columns", []))
    signals = declared_signals(decl)

    needed = [id_col, *config_cols, *proxies.values(), *tasks.values(), *signals]
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise SftcastError(f"{where}: missing column(s) {', '.join(repr(c) for c in missing)}")

    ids = raw[id_col].astype(str).str.strip()
    seen: dict[str, int] = {}
    for i, model_id in enumerate(ids):
        line = i + 2  # 1-based, after the header line
        if not model_id or model_id.lower() == "nan":
            raise SftcastError(f"{where}: line {line}: empty model id")
        if model_id in seen:
            raise SftcastError(
                f"{where}: line {line}: duplicated model id {model_id!r} (first on line {seen[model_id]})"
            )
        seen[model_id] = line

    models = pd.DataFrame({"model_id": ids})
    for col in config_cols:
        models[col] = raw[col].to_numpy()
    numeric = {
        **{p: c for p, c in proxies.items()},
        **{task_column(t): c for t, c in tasks.items()},
        **{c: c for c in signals},
    }
    for canon, col in numeric.items():
        values = pd.to_numeric(raw[col], errors="coerce")
        for i, (value, original) in enumerate(zip(values, raw[col], strict=True)):
            if canon in optional and pd.isna(original):
                continue  # a missing label of a task declared optional
            if value is None or not math.isfinite(float(value)):
                raise SftcastError(
                    f"{where}: line {i + 2}, column {col!r}: expected a finite number, got {original!r}"
                )
        models[canon] = values.astype(float).to_numpy()
    used = {id_col, *config_cols, *numeric.values()}
    for col in [] if spec.general else raw.columns:  # a general suite keeps declared columns only
        if col not in used and col not in models.columns:
            models[col] = raw[col].to_numpy()  # extra keys ride along untouched

    if len(models) < 2:
        raise SftcastError(f"{where}: a suite needs at least two models, found {len(models)}")
    if any(s.data is not None for s in spec.tasks.values()) or spec.signals or spec.probes or spec.features:
        models = add_declared_columns(models, spec, decl_path.parent, raw, where, id_col)
    return Suite(
        name=str(decl["name"]),
        models=models,
        proxies=list(proxies),
        tasks=list(spec.tasks),
        config_columns=config_cols,
        meta=decl,
        source=str(data_path),
        spec=spec,
        root=str(decl_path.parent),
    )
