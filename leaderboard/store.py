"""The durable results store: one SQLite file, written only inside transactions.

Why SQLite rather than the Hub template's results-JSON files: a leaderboard Space takes
uploads from many users at once, and SQLite gives that for free -- WAL mode lets readers
run while one writer commits, ``BEGIN IMMEDIATE`` serialises writers across threads and
processes, and a ``UNIQUE`` constraint on the submission name makes a second submission
with a taken name fail loudly instead of overwriting the first. A whole submission
(metadata plus the results of every suite and protocol) lands in one transaction or not at
all. The file is easy to back up or mirror to a Hub dataset repo (``sqlite3 .backup``), and
``export_json`` writes the Hub-template layout (one results JSON per submission) from it.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from benchmark.core.errors import SftcastError

SCHEMA_VERSION = 1
DEFAULT_DB = Path(
    os.environ.get(
        "SFTCAST_LEADERBOARD_DB",
        Path(__file__).resolve().parents[1] / "out" / "leaderboard" / "results.sqlite",
    )
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    meta_json   TEXT NOT NULL,
    supervised  INTEGER NOT NULL CHECK (supervised IN (0, 1)),
    source      TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    suite         TEXT NOT NULL,
    protocol      TEXT NOT NULL,
    results_json  TEXT NOT NULL,
    mean_accuracy REAL NOT NULL,
    UNIQUE (submission_id, suite, protocol)
);
CREATE TABLE IF NOT EXISTS pair_credits (
    submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    suite         TEXT NOT NULL,
    protocol      TEXT NOT NULL,
    data          BLOB NOT NULL,
    UNIQUE (submission_id, suite, protocol)
);
CREATE TABLE IF NOT EXISTS reproductions (
    submission_id INTEGER NOT NULL UNIQUE REFERENCES submissions(id) ON DELETE CASCADE,
    info_json     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass
class Entry:
    """One scored submission: its metadata and ``results[suite][protocol]`` (the scorer's JSON)."""

    name: str
    meta: dict
    supervised: bool
    results: dict[str, dict[str, dict]]
    sha256: str
    source: str = "upload"
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    # credits[suite][protocol]: every test pair's credit (``leaderboard.ranking.encode_credits``),
    # what the model-level bootstrap resamples; kept in their own table, read only when ranking
    credits: dict[str, dict[str, bytes]] = field(default_factory=dict, repr=False)
    # set by ``sftcast submit verify``: predictor, code_sha256, n_predictions, max_abs_diff, verified_at
    reproduced: dict | None = None


class ResultsStore:
    """A SQLite results store that is safe for concurrent writers (threads and processes)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._transaction() as con:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    con.execute(statement)
            con.execute(
                "INSERT OR IGNORE INTO store_meta (key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("PRAGMA foreign_keys=ON")
        con.execute("PRAGMA busy_timeout=60000")
        return con

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that takes the write lock up front (no upgrade deadlocks)."""
        with closing(self._connect()) as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    # ---- writes
    def add(self, entry: Entry) -> int:
        """Insert a submission and all its results atomically; a taken name raises SftcastError."""
        with self._transaction() as con:
            return self._insert(con, entry)

    def replace_committed(self, entry: Entry) -> int:
        """Atomically swap the stored committed (built-in) submission of ``entry.name`` for ``entry``.

        Only entries whose source is ``committed`` are replaced: an upload is never overwritten.
        """
        if entry.source != "committed":
            raise SftcastError(f"{entry.name!r} is not a built-in submission; it replaces nothing")
        with self._transaction() as con:
            row = con.execute("SELECT source FROM submissions WHERE name = ?", (entry.name,)).fetchone()
            if row is not None and row[0] != "committed":
                raise SftcastError(f"{entry.name!r} is an uploaded submission; it is never replaced")
            con.execute("DELETE FROM submissions WHERE name = ?", (entry.name,))
            return self._insert(con, entry)

    @staticmethod
    def _insert(con: sqlite3.Connection, entry: Entry) -> int:
        if not entry.results:
            raise SftcastError(f"submission {entry.name!r} has no results to store")
        try:
            cur = con.execute(
                "INSERT INTO submissions (name, meta_json, supervised, source, sha256, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    entry.name,
                    json.dumps(entry.meta, sort_keys=True),
                    int(entry.supervised),
                    entry.source,
                    entry.sha256,
                    entry.created_at,
                ),
            )
        except sqlite3.IntegrityError as exc:
            taken = f"a submission named {entry.name!r} already exists; choose another name"
            raise SftcastError(taken) from exc
        sub_id = int(cur.lastrowid)
        con.executemany(
            "INSERT INTO results (submission_id, suite, protocol, results_json, mean_accuracy) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (sub_id, suite, protocol, json.dumps(res), float(res["mean_accuracy"]))
                for suite, by_protocol in entry.results.items()
                for protocol, res in by_protocol.items()
            ],
        )
        con.executemany(
            "INSERT INTO pair_credits (submission_id, suite, protocol, data) VALUES (?, ?, ?, ?)",
            [
                (sub_id, suite, protocol, data)
                for suite, by_protocol in entry.credits.items()
                for protocol, data in by_protocol.items()
            ],
        )
        return sub_id

    def mark_reproduced(self, name: str, sha256: str, info: dict) -> None:
        """Record that ``sftcast submit verify`` reproduced the stored submission ``name``, whose
        content hash must be ``sha256`` (the verified folder is the stored one)."""
        with self._transaction() as con:
            row = con.execute("SELECT id, sha256 FROM submissions WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise SftcastError(f"no submission named {name!r} in {self.path}; score it first")
            if row[1] != sha256:
                raise SftcastError(
                    f"the stored {name!r} differs from the verified folder (another version was scored)"
                )
            con.execute(
                "INSERT OR REPLACE INTO reproductions (submission_id, info_json) VALUES (?, ?)",
                (row[0], json.dumps(info, sort_keys=True)),
            )

    def source_of(self, name: str) -> str | None:
        with closing(self._connect()) as con:
            row = con.execute("SELECT source FROM submissions WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    # ---- reads
    def names(self) -> list[str]:
        with closing(self._connect()) as con:
            return [r[0] for r in con.execute("SELECT name FROM submissions ORDER BY id")]

    def state(self) -> tuple[int, int]:
        """(count, largest id) of the stored submissions: changes with every add or replacement."""
        with closing(self._connect()) as con:
            n, top = con.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM submissions").fetchone()
        return int(n), int(top)

    def credits(self, protocol: str) -> dict[str, dict[str, bytes]]:
        """``{name: {suite: encoded pair credits}}`` of every submission that stored them for ``protocol``."""
        with closing(self._connect()) as con:
            rows = con.execute(
                "SELECT s.name, c.suite, c.data FROM pair_credits c JOIN submissions s "
                "ON s.id = c.submission_id WHERE c.protocol = ?",
                (protocol,),
            ).fetchall()
        out: dict[str, dict[str, bytes]] = {}
        for name, suite, data in rows:
            out.setdefault(name, {})[suite] = bytes(data)
        return out

    def has_credits(self, name: str) -> bool:
        with closing(self._connect()) as con:
            row = con.execute(
                "SELECT COUNT(*) FROM pair_credits c JOIN submissions s ON s.id = c.submission_id "
                "WHERE s.name = ?",
                (name,),
            ).fetchone()
        return bool(row[0])

    def sha256_of(self, name: str) -> str | None:
        with closing(self._connect()) as con:
            row = con.execute("SELECT sha256 FROM submissions WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def entries(self) -> list[Entry]:
        """Every stored submission with its results, oldest first, read in one snapshot."""
        with closing(self._connect()) as con:
            con.execute("BEGIN")
            subs = con.execute(
                "SELECT id, name, meta_json, supervised, source, sha256, created_at "
                "FROM submissions ORDER BY id"
            ).fetchall()
            rows = con.execute("SELECT submission_id, suite, protocol, results_json FROM results").fetchall()
            repro = dict(con.execute("SELECT submission_id, info_json FROM reproductions").fetchall())
            con.execute("COMMIT")
        results: dict[int, dict[str, dict[str, dict]]] = {}
        for sub_id, suite, protocol, text in rows:
            results.setdefault(sub_id, {}).setdefault(suite, {})[protocol] = json.loads(text)
        return [
            Entry(
                name,
                json.loads(meta),
                bool(sup),
                results.get(sub_id, {}),
                sha,
                source,
                created,
                reproduced=json.loads(repro[sub_id]) if sub_id in repro else None,
            )
            for sub_id, name, meta, sup, source, sha, created in subs
        ]

    def get(self, name: str) -> Entry:
        for entry in self.entries():
            if entry.name == name:
                return entry
        raise SftcastError(f"no submission named {name!r} in {self.path}")

    def check_integrity(self) -> dict[str, int]:
        """Run SQLite's integrity check and ours; return the row counts. Raises on any problem."""
        with closing(self._connect()) as con:
            status = con.execute("PRAGMA integrity_check").fetchone()[0]
            if status != "ok":
                raise SftcastError(f"results store {self.path} is corrupt: {status}")
            orphans = con.execute(
                "SELECT COUNT(*) FROM results WHERE submission_id NOT IN (SELECT id FROM submissions)"
            ).fetchone()[0]
            empty = con.execute(
                "SELECT COUNT(*) FROM submissions WHERE id NOT IN (SELECT submission_id FROM results)"
            ).fetchone()[0]
            if orphans or empty:
                raise SftcastError(
                    f"results store {self.path}: {orphans} orphan results, {empty} empty submissions"
                )
            n_sub = con.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
            n_res = con.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        return {"submissions": n_sub, "results": n_res}

    def credits_of(self, name: str) -> dict[str, dict[str, bytes]]:
        """``{suite: {protocol: encoded pair credits}}`` of one stored submission."""
        with closing(self._connect()) as con:
            rows = con.execute(
                "SELECT c.suite, c.protocol, c.data FROM pair_credits c JOIN submissions s "
                "ON s.id = c.submission_id WHERE s.name = ?",
                (name,),
            ).fetchall()
        out: dict[str, dict[str, bytes]] = {}
        for suite, protocol, data in rows:
            out.setdefault(suite, {})[protocol] = bytes(data)
        return out

    def export_json(self, folder: str | Path, names: list[str] | None = None) -> list[Path]:
        """Write the Hub-template layout: ``folder/<name>.json`` with metadata and results (and the
        pair credits, base64, so a store restored from the files ranks as this one does)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for e in self.entries():
            if names is not None and e.name not in names:
                continue
            path = folder / f"{e.name}.json"
            tmp = path.with_suffix(".json.tmp")
            payload = {
                "name": e.name,
                "meta": e.meta,
                "supervised": e.supervised,
                "sha256": e.sha256,
                "source": e.source,
                "created_at": e.created_at,
                "results": e.results,
                "pair_credits": {
                    suite: {
                        protocol: base64.b64encode(data).decode() for protocol, data in by_protocol.items()
                    }
                    for suite, by_protocol in self.credits_of(e.name).items()
                },
                "reproduced": e.reproduced,
            }
            tmp.write_text(json.dumps(payload, indent=1, sort_keys=True))
            tmp.replace(path)
            paths.append(path)
        return paths

    def import_json(self, folder: str | Path) -> list[str]:
        """Add every ``<name>.json`` of ``folder`` (``export_json``'s layout) whose name the store
        lacks; return the names added. A malformed file is one clear error."""
        added = []
        taken = set(self.names())
        for path in sorted(Path(folder).glob("*.json")):
            try:
                doc = json.loads(path.read_text())
                entry = Entry(
                    name=str(doc["name"]),
                    meta=dict(doc["meta"]),
                    supervised=bool(doc["supervised"]),
                    results=dict(doc["results"]),
                    sha256=str(doc["sha256"]),
                    source=str(doc.get("source", "upload")),
                    created_at=str(doc["created_at"]),
                    credits={
                        suite: {protocol: base64.b64decode(data) for protocol, data in by_protocol.items()}
                        for suite, by_protocol in (doc.get("pair_credits") or {}).items()
                    },
                    reproduced=doc.get("reproduced"),
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise SftcastError(f"{path.name}: not a results file of this store ({exc})") from exc
            if entry.name in taken:
                continue
            with self._transaction() as con:
                sub_id = self._insert(con, entry)
                if entry.reproduced:
                    con.execute(
                        "INSERT INTO reproductions (submission_id, info_json) VALUES (?, ?)",
                        (sub_id, json.dumps(entry.reproduced, sort_keys=True)),
                    )
            taken.add(entry.name)
            added.append(entry.name)
        return added
