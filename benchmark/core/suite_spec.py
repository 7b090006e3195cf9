"""The general suite schema: label direction per task, per-task signals, budgeted probes, declared
metadata features and declared-optional missing values. The schema is documented in one place,
``docs/bring_your_own_suite.md``; ``schema.load_suite`` calls this module for every suite.

Canonical columns that this module adds to ``Suite.models``: a per-task signal ``s`` of task ``t`` is
``s@t``; a probe ``p`` measured after ``n`` fine-tuning examples is ``p_<n>`` (``p_<n>@t`` per task);
a metadata feature keeps its name. ``task_view`` gives a predictor one task's view of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from benchmark.core.errors import SftcastError

TOP_KEYS = (
    "name", "description", "data", "id_column", "config_columns", "proxies", "harness_keys",
    "extra_signals", "lower_is_better", "tasks", "signals", "probes", "budget", "features",
    "label_score", "rounding", "quirks", "citation", "published", "license", "source", "main_seed",
    "noise_variants", "noise_seeds", "random_init_proxies", "tables",
)  # fmt: skip
DIRECTIONS = ("higher", "lower")
TASK_KEYS = ("label", "data", "direction", "optional")
SIGNAL_KEYS = ("column", "per_task", "direction", "optional")
PROBE_KEYS = ("points", "per_task", "direction", "optional")
FEATURE_KEYS = ("column", "kind", "optional")
FEATURE_KINDS = ("numeric", "categorical")
INFO_ATTR = "sftcast"  # the DataFrame.attrs key of a task view's description


@dataclass
class ColumnSpec:
    """A task label, signal or feature: where it is read from and how it is read."""

    name: str
    column: str  # may hold "{task}", which makes it per task
    per_task: bool = False
    direction: str = "higher"
    optional: bool = False
    data: str | None = None  # tasks only: the task's own data file
    kind: str = "numeric"  # features only


@dataclass
class ProbeSpec:
    """A signal measured after fine-tuning on ``n`` examples, for each ``n`` in ``points``."""

    name: str
    points: dict[int, str]
    per_task: bool = False
    direction: str = "lower"
    optional: bool = False

    def column(self, n: int) -> str:
        return f"{self.name}_{n}"


@dataclass
class SuiteSpec:
    """The parsed general part of a suite declaration."""

    tasks: dict[str, ColumnSpec] = field(default_factory=dict)
    signals: dict[str, ColumnSpec] = field(default_factory=dict)
    probes: dict[str, ProbeSpec] = field(default_factory=dict)
    features: dict[str, ColumnSpec] = field(default_factory=dict)
    budget_total: int | None = None
    default_budget: Fraction | None = None
    general: bool = False  # uses a key beyond the first schema: only declared columns are kept

    def direction(self, task: str) -> str:
        spec = self.tasks.get(task)
        return spec.direction if spec else "higher"


# --------------------------------------------------------------------------- declaration


class KeyLines:
    """Line numbers of the keys of a YAML document, by key path (``("tasks", "flan")``)."""

    def __init__(self, text: str, where: str) -> None:
        self.where = where
        self.lines: dict[tuple[str, ...], int] = {}
        try:
            root = yaml.compose(text)
        except yaml.YAMLError:
            root = None
        if root is not None:
            self._walk(root, ())

    def _walk(self, node: yaml.Node, path: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = (*path, str(key.value))
                self.lines[sub] = key.start_mark.line + 1
                self._walk(value, sub)

    def error(self, path: tuple[str, ...], message: str) -> SftcastError:
        probe = path
        while probe and probe not in self.lines:
            probe = probe[:-1]
        line = f"line {self.lines[probe]}: " if probe in self.lines else ""
        key = ".".join(path)
        return SftcastError(f"{self.where}: {line}{key + ': ' if key else ''}{message}")


def read_declaration(path: Path) -> tuple[dict[str, Any], KeyLines]:
    """The YAML mapping of a suite declaration and its key line numbers; one clear error if bad."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SftcastError(f"{path}: cannot read: {exc}") from exc
    try:
        decl = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SftcastError(f"{path.name}: {line}not valid YAML: {problem}") from exc
    lines = KeyLines(text, path.name)
    if not isinstance(decl, dict):
        raise lines.error((), f"a suite declaration is a mapping of keys, got {type(decl).__name__}")
    return decl, lines


def _direction(value: Any, lines: KeyLines, path: tuple[str, ...], default: str) -> str:
    if value is None:
        return default
    if value not in DIRECTIONS:
        raise lines.error(path, f"direction must be 'higher' or 'lower', got {value!r}")
    return str(value)


def _bool(value: Any, lines: KeyLines, path: tuple[str, ...]) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise lines.error(path, f"must be true or false, got {value!r}")
    return value


def _mapping(value: Any, lines: KeyLines, path: tuple[str, ...], keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise lines.error(path, f"expected a mapping with keys {', '.join(keys)}, got {value!r}")
    unknown = [str(k) for k in value if k not in keys]
    if unknown:
        raise lines.error((*path, unknown[0]), f"unknown key (known: {', '.join(keys)})")
    return value


def parse_budget(value: Any, where: str = "budget") -> Fraction:
    """A data budget as a fraction of the full fine-tuning set: ``1/64``, ``"1/64"`` or ``0.015625``."""
    try:
        budget = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError) as exc:
        raise SftcastError(f"{where}: expected a fraction such as 1/64, got {value!r}") from exc
    if not 0 < budget <= 1:
        raise SftcastError(f"{where}: a budget is a fraction in (0, 1], got {value!r}")
    return budget


def parse_spec(decl: dict[str, Any], lines: KeyLines) -> SuiteSpec:
    """Check the declaration's keys (each error names its line) and parse its general part."""
    _check_top_keys(decl, lines)
    spec = SuiteSpec()
    spec.general = any(k in decl for k in ("signals", "probes", "features", "budget"))
    tasks = decl["tasks"]
    if not isinstance(tasks, dict):
        raise lines.error(("tasks",), "expected a mapping of task name -> label column (or a mapping)")
    for task, value in tasks.items():
        spec.tasks[str(task)] = _parse_task(str(task), value, lines)
        spec.general = spec.general or not isinstance(value, str)  # a mapping: the general schema
    for name, value in _optional_mapping(decl, "signals", lines).items():
        spec.signals[str(name)] = _parse_signal(str(name), value, lines)
    for name, value in _optional_mapping(decl, "probes", lines).items():
        spec.probes[str(name)] = _parse_probe(str(name), value, lines)
    spec.features = _parse_features(decl.get("features") or {}, lines)
    budget = decl.get("budget")
    if budget is not None:
        spec.budget_total, spec.default_budget = _parse_budget_key(budget, lines)
    _check_probes_within_budget(spec, lines)
    _check_column_names(_optional_mapping(decl, "proxies", lines), spec, lines)
    return spec


def _optional_mapping(decl: dict[str, Any], key: str, lines: KeyLines) -> dict[Any, Any]:
    """The mapping under an optional ``key`` ({} when absent); anything else is refused on its line."""
    value = decl.get(key) or {}
    if not isinstance(value, dict):
        raise lines.error((key,), f"expected a mapping of name -> column, not a {type(value).__name__}")
    return value


def _check_top_keys(decl: dict[str, Any], lines: KeyLines) -> None:
    """Refuse an unknown top-level key, or a declaration without name, data or tasks."""
    unknown = [str(k) for k in decl if k not in TOP_KEYS]
    if unknown:
        raise lines.error((unknown[0],), f"unknown key (known: {', '.join(TOP_KEYS)})")
    for key in ("name", "data", "tasks"):
        if decl.get(key) in (None, "", {}):
            raise lines.error((key,) if key in decl else (), f"the suite declaration lacks the key {key!r}")


def _parse_task(task: str, value: Any, lines: KeyLines) -> ColumnSpec:
    """A task's label: a column name, or a mapping of label, data, direction and optional."""
    path = ("tasks", task)
    if isinstance(value, str):
        return ColumnSpec(task, value)
    value = _mapping(value, lines, path, TASK_KEYS)
    if not isinstance(value.get("label"), (str, int)):
        raise lines.error(path, "a task needs 'label': the column of its label")
    return ColumnSpec(
        task,
        str(value["label"]),
        direction=_direction(value.get("direction"), lines, (*path, "direction"), "higher"),
        optional=_bool(value.get("optional"), lines, (*path, "optional")),
        data=None if value.get("data") is None else str(value["data"]),
    )


def _parse_signal(name: str, value: Any, lines: KeyLines) -> ColumnSpec:
    """A signal: a column name, or a mapping of column, per_task, direction and optional."""
    path = ("signals", name)
    value = {"column": value} if isinstance(value, (str, int)) else value
    value = _mapping(value, lines, path, SIGNAL_KEYS)
    column = str(value.get("column", name))
    return ColumnSpec(
        name,
        column,
        per_task=_bool(value.get("per_task"), lines, (*path, "per_task")) or "{task}" in column,
        direction=_direction(value.get("direction"), lines, (*path, "direction"), "higher"),
        optional=_bool(value.get("optional"), lines, (*path, "optional")),
    )


def _parse_probe(name: str, value: Any, lines: KeyLines) -> ProbeSpec:
    """A probe: its points (examples -> column, sorted), per_task, direction and optional."""
    path = ("probes", name)
    value = _mapping(value, lines, path, PROBE_KEYS)
    points = value.get("points")
    if not isinstance(points, dict) or not points:
        raise lines.error(path, "a probe needs 'points': a mapping of examples -> column")
    parsed: dict[int, str] = {}
    for n, column in points.items():
        if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
            raise lines.error((*path, "points", str(n)), "probe points are positive example counts")
        parsed[n] = str(column)
    per_task = _bool(value.get("per_task"), lines, (*path, "per_task"))
    return ProbeSpec(
        name,
        dict(sorted(parsed.items())),
        per_task=per_task or any("{task}" in c for c in parsed.values()),
        direction=_direction(value.get("direction"), lines, (*path, "direction"), "lower"),
        optional=_bool(value.get("optional"), lines, (*path, "optional")),
    )


def _parse_features(features: Any, lines: KeyLines) -> dict[str, ColumnSpec]:
    """The features: a list of columns, or a mapping name -> column or {column, kind, optional}."""
    if isinstance(features, list):
        features = {str(f): {} for f in features}
    if not isinstance(features, dict):
        raise lines.error(("features",), "expected a list of columns or a mapping name -> {column, kind}")
    parsed: dict[str, ColumnSpec] = {}
    for name, value in features.items():
        path = ("features", str(name))
        value = {"column": value} if isinstance(value, str) else (value or {})
        value = _mapping(value, lines, path, FEATURE_KEYS)
        kind = value.get("kind")
        if kind is not None and kind not in FEATURE_KINDS:
            raise lines.error((*path, "kind"), f"kind must be 'numeric' or 'categorical', got {kind!r}")
        parsed[str(name)] = ColumnSpec(
            str(name),
            str(value.get("column", name)),
            kind=kind or "",  # inferred from the data when not declared
            optional=_bool(value.get("optional"), lines, (*path, "optional")),
        )
    return parsed


def _parse_budget_key(budget: Any, lines: KeyLines) -> tuple[int, Fraction]:
    """The ``budget`` key: the full fine-tuning set's size and the default budget (a fraction)."""
    budget = _mapping(budget, lines, ("budget",), ("total", "default"))
    total = budget.get("total")
    if not isinstance(total, int) or isinstance(total, bool) or total <= 0:
        raise lines.error(("budget", "total"), "the full fine-tuning set size, a positive integer")
    try:
        return total, parse_budget(budget.get("default", 1), "budget.default")
    except SftcastError as exc:
        raise lines.error(("budget", "default"), str(exc).split(": ", 1)[1]) from exc


def _check_probes_within_budget(spec: SuiteSpec, lines: KeyLines) -> None:
    """Refuse probes without ``budget.total``, or with a point beyond it."""
    if spec.probes and spec.budget_total is None:
        first = next(iter(spec.probes))
        raise lines.error(("probes", first), "probes need 'budget: {total: N}' (the full set's size)")
    for probe in spec.probes.values():
        over = [n for n in probe.points if spec.budget_total is not None and n > spec.budget_total]
        if over:
            raise lines.error(("probes", probe.name, "points", str(over[0])), "beyond budget.total")


def _check_column_names(proxies: Any, spec: SuiteSpec, lines: KeyLines) -> None:
    """Refuse a proxy, signal, feature or probe column name given twice, or with '@' or 'sft_' first."""
    names: dict[str, str] = {}
    for kind, items in (
        ("proxy", list(proxies)),
        ("signal", list(spec.signals)),
        ("feature", list(spec.features)),
        ("probe", [p.column(n) for p in spec.probes.values() for n in p.points]),
    ):
        for item in items:
            if item in names:
                raise lines.error((), f"the name {item!r} is both a {names[item]} and a {kind}")
            if "@" in item or item.startswith("sft_"):
                raise lines.error((), f"{kind} name {item!r} may not contain '@' or start with 'sft_'")
            names[item] = kind


# --------------------------------------------------------------------------- data


def read_table(path: Path) -> pd.DataFrame:
    """A suite data file: CSV (empty cells are missing) or parquet."""
    if not path.exists():
        raise SftcastError(f"suite data file not found: {path}")
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def _numeric(
    values: pd.Series, where: str, column: str, lines: list[int], optional: bool, what: str, ids: list[str]
) -> np.ndarray:
    """Parse a column as finite floats; an empty cell (or absent row) is NaN where ``optional``."""
    parsed = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    for value, original, line, model_id in zip(parsed, values, lines, ids, strict=True):
        if math.isfinite(value):
            continue
        empty = original is None or (not isinstance(original, str) and pd.isna(original))
        empty = empty or str(original).strip() == ""
        if optional and empty:
            continue
        hint = f"; declare {what} optional to allow missing values" if empty else ""
        if line < 0:
            raise SftcastError(f"{where}: no row for model {model_id!r} ({what}{hint})")
        raise SftcastError(
            f"{where}: line {line}, column {column!r}: expected a finite number, got {original!r}{hint}"
        )
    return parsed


def add_declared_columns(
    models: pd.DataFrame, spec: SuiteSpec, decl_dir: Path, main: pd.DataFrame, main_where: str, id_col: str
) -> pd.DataFrame:
    """Add the labels of tasks with their own data file, signals, probes and features to ``models``.

    ``main`` is the suite's main data file, rows aligned with ``models``.
    """
    ids = models["model_id"].tolist()
    files = _DataFiles(_data_files(spec, decl_dir, main, main_where, id_col, ids), ids)
    new: dict[str, Any] = {}
    new.update(_label_columns(spec, files))
    new.update(_signal_columns(spec, files))
    new.update(_probe_columns(spec, files))
    new.update(_feature_columns(models, spec, main, main_where, ids))
    out = models.copy()
    for name, values in new.items():
        out[name] = values
    return out


# a data file's rows aligned with the models, its name, and each model's line in it (-1: no row)
_Table = tuple[pd.DataFrame, str, list[int]]


def _data_files(
    spec: SuiteSpec, decl_dir: Path, main: pd.DataFrame, main_where: str, id_col: str, ids: list[str]
) -> dict[str | None, _Table]:
    """The main file (key None) and each task's own data file (key: its ``data``), read once."""
    tables: dict[str | None, _Table] = {
        None: (main.reset_index(drop=True), main_where, list(range(2, len(main) + 2)))
    }
    for task in spec.tasks.values():
        if task.data is None or task.data in tables:
            continue
        tables[task.data] = _aligned_table(task.data, decl_dir, main_where, id_col, ids)
    return tables


def _aligned_table(data: str, decl_dir: Path, main_where: str, id_col: str, ids: list[str]) -> _Table:
    """A task's data file with its rows in the order of ``ids`` (None where a model has no row)."""
    path = Path(data) if Path(data).is_absolute() else decl_dir / data
    raw = read_table(path)
    where = path.name
    if id_col not in raw.columns:
        raise SftcastError(f"{where}: missing the id column {id_col!r}")
    known, pos = set(ids), {}
    for k, model_id in enumerate(raw[id_col].astype(str).str.strip()):
        if model_id not in known:
            raise SftcastError(f"{where}: line {k + 2}: model {model_id!r} is not in {main_where}")
        if model_id in pos:
            raise SftcastError(f"{where}: line {k + 2}: duplicated model id {model_id!r}")
        pos[model_id] = k
    aligned = pd.DataFrame(
        {c: [raw[c].iloc[pos[m]] if m in pos else None for m in ids] for c in raw.columns}, dtype=object
    )
    return aligned, where, [pos[m] + 2 if m in pos else -1 for m in ids]


@dataclass
class _DataFiles:
    """The suite's data files by task ``data`` (None: the main file), rows aligned with ``ids``."""

    tables: dict[str | None, _Table]
    ids: list[str]

    def column(self, task: ColumnSpec | None, template: str, optional: bool, what: str) -> np.ndarray:
        """``template`` (with ``{task}`` filled in) read as floats from ``task``'s file (None: main)."""
        table, where, lines = self.tables[task.data if task is not None else None]
        col = template.format(task=task.name) if task is not None else template
        if col not in table.columns:
            raise SftcastError(f"{where}: missing column {col!r} ({what})")
        return _numeric(table[col], where, col, lines, optional, what, self.ids)


def _label_columns(spec: SuiteSpec, files: _DataFiles) -> dict[str, np.ndarray]:
    """``sft_<task>`` of each task with its own data file."""
    new: dict[str, np.ndarray] = {}
    for task in spec.tasks.values():
        if task.data is not None:
            what = f"the label of task {task.name!r}"
            new[f"sft_{task.name}"] = files.column(task, task.column, task.optional, what)
    return new


def _signal_columns(spec: SuiteSpec, files: _DataFiles) -> dict[str, np.ndarray]:
    """Each signal: ``<signal>@<task>`` per task, or one ``<signal>`` column."""
    new: dict[str, np.ndarray] = {}
    for sig in spec.signals.values():
        if sig.per_task:
            for task in spec.tasks.values():
                new[f"{sig.name}@{task.name}"] = files.column(
                    task, sig.column, sig.optional, f"signal {sig.name!r}"
                )
        else:
            new[sig.name] = files.column(None, sig.column, sig.optional, f"signal {sig.name!r}")
    return new


def _probe_columns(spec: SuiteSpec, files: _DataFiles) -> dict[str, np.ndarray]:
    """Each probe point: ``<probe>_<n>@<task>`` per task, or one ``<probe>_<n>`` column."""
    new: dict[str, np.ndarray] = {}
    for probe in spec.probes.values():
        for n, col in probe.points.items():
            what = f"probe {probe.name!r}"
            if probe.per_task:
                for task in spec.tasks.values():
                    new[f"{probe.column(n)}@{task.name}"] = files.column(task, col, probe.optional, what)
            else:
                new[probe.column(n)] = files.column(None, col, probe.optional, what)
    return new


def _feature_columns(
    models: pd.DataFrame, spec: SuiteSpec, main: pd.DataFrame, main_where: str, ids: list[str]
) -> dict[str, np.ndarray]:
    """Each feature read from the main file (a configuration column is kept as is); sets its kind."""
    new: dict[str, np.ndarray] = {}
    for feat in spec.features.values():
        if feat.name in models.columns and feat.name == feat.column:  # a configuration column, kept as is
            feat.kind = feat.kind or _infer_kind(models[feat.name])
            continue
        if feat.column not in main.columns:
            raise SftcastError(f"{main_where}: missing column {feat.column!r} (feature {feat.name!r})")
        raw = main[feat.column].reset_index(drop=True)
        feat.kind = feat.kind or _infer_kind(raw)
        if feat.kind == "numeric":
            lines = list(range(2, len(main) + 2))
            what = f"feature {feat.name!r}"
            new[feat.name] = _numeric(raw, main_where, feat.column, lines, feat.optional, what, ids)
        else:
            new[feat.name] = _categorical(raw, feat, main_where)
    return new


def _categorical(raw: pd.Series, feat: ColumnSpec, main_where: str) -> np.ndarray:
    """A categorical feature's values (None where empty); an empty value needs the feature optional."""
    missing = raw.isna() | (raw.astype(str).str.strip() == "")
    if missing.any() and not feat.optional:
        line = int(np.flatnonzero(missing.to_numpy())[0]) + 2
        raise SftcastError(
            f"{main_where}: line {line}, column {feat.column!r}: empty value "
            f"(declare feature {feat.name!r} optional to allow it)"
        )
    return raw.where(~missing, None).to_numpy(dtype=object)


def _infer_kind(values: pd.Series) -> str:
    present = values.dropna()
    if present.dtype == bool:
        return "numeric"
    numeric = pd.to_numeric(present.astype(str).str.strip(), errors="coerce")
    return "numeric" if len(numeric) and numeric.notna().all() else "categorical"


def lines_for(where: str) -> KeyLines:
    """Key line numbers for a declaration that has no YAML text (a bare CSV suite)."""
    return KeyLines("", where)


# --------------------------------------------------------------------------- views


def budget_examples(spec: SuiteSpec, budget: Fraction | None) -> int | None:
    """The number of examples a budget allows (None for a suite without probes)."""
    if spec.budget_total is None:
        return None
    fraction = spec.default_budget if budget is None else budget
    return int(math.floor(spec.budget_total * (fraction or 1)))


def task_view(
    models: pd.DataFrame,
    spec: SuiteSpec,
    label_task: str | None,
    task: str,
    budget: Fraction | None,
    proxies: list[str],
    extra_signals: dict[str, str],
    suite_name: str,
) -> pd.DataFrame:
    """The models as a predictor sees them for ``task``: the label of ``label_task`` only (None: no
    label), ``task``'s value of every per-task signal under the signal's own name, no probe past
    the budget. ``attrs["sftcast"]`` describes the view (see ``view_info``)."""
    label = f"sft_{label_task}" if label_task is not None else None
    limit = budget_examples(spec, budget)
    keep, rename = [], {}
    hidden_probes = {
        p.column(n) for p in spec.probes.values() for n in p.points if limit is not None and n > limit
    }
    for col in models.columns:
        name = str(col)
        if name.startswith("sft_") and name != label:
            continue
        if "@" in name:
            stem, _, of = name.rpartition("@")
            if of != task:
                continue
            rename[name] = stem
            name = stem
        if name in hidden_probes:
            continue
        keep.append(col)
    out = models[keep].rename(columns=rename)
    out.attrs = {INFO_ATTR: view_info(spec, task, budget, proxies, extra_signals, suite_name)}
    return out


def view_info(
    spec: SuiteSpec,
    task: str,
    budget: Fraction | None,
    proxies: list[str],
    extra_signals: dict[str, str],
    suite_name: str,
) -> dict[str, Any]:
    """What a predictor may know about a view: the task's label direction, the visible signals and
    their directions, the visible probe points, the features and their kinds, the budget."""
    limit = budget_examples(spec, budget)
    fraction = spec.default_budget if budget is None else budget
    return {
        "suite": suite_name,
        "task": task,
        "label_direction": spec.direction(task),
        "proxies": list(proxies),
        "signals": {**extra_signals, **{s.name: s.direction for s in spec.signals.values()}},
        "probes": {
            p.name: {
                "direction": p.direction,
                "points": {n: p.column(n) for n in p.points if limit is None or n <= limit},
            }
            for p in spec.probes.values()
        },
        "features": {f.name: f.kind for f in spec.features.values()},
        "budget": None if limit is None else str(fraction),
        "budget_examples": limit,
        "budget_total": spec.budget_total,
    }


def view_columns(info: dict[str, Any]) -> list[str]:
    """The per-model columns of a view that are attached to pairs (``<col>_a``, ``<col>_b``)."""
    cols = [*info["proxies"], *info["signals"]]
    cols += [c for p in info["probes"].values() for c in p["points"].values()]
    return cols + list(info["features"])


def info_of(frame: pd.DataFrame) -> dict[str, Any]:
    """The description of a task view (empty for a frame that is not one)."""
    return dict(frame.attrs.get(INFO_ATTR, {}))
