"""The leaderboard in a real headless Chromium: ranking, filters, detail view, uploads.

Screenshots land in ``artifacts/`` (gitignored).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest_leaderboard import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO,
    SUBMISSIONS,
    seeded_db,
    served_app,
    submission_zip,
)

from benchmark.analysis.noise import suite_noise
from benchmark.core.schema import list_suites, load_suite
from leaderboard.app import MISSING, RANK_RANGE
from leaderboard.store import ResultsStore

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]
ARTIFACTS = REPO / "artifacts"

READ_TABLE = """() => {
  const root = document.querySelector('#leaderboard-table');
  const head = Array.from(root.querySelectorAll('thead th')).map(th => th.innerText.trim());
  const rows = Array.from(root.querySelectorAll('.virtual-row')).map(
    r => Array.from(r.querySelectorAll('[role=gridcell]')).map(td => td.innerText.trim()));
  return {head, rows};
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    db = seeded_db(tmp_path_factory.mktemp("browser"))
    with served_app(db) as url:
        yield url, db


@pytest.fixture(scope="module")
def page(server: tuple[str, Path]):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix="sftcast-chromium-"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        pg = context.new_page()
        pg.set_default_timeout(20_000)
        yield pg
        context.close()


def read_table(page) -> pd.DataFrame:
    data = page.evaluate(READ_TABLE)
    return pd.DataFrame(data["rows"], columns=data["head"])


def wait_table(page, predicate, timeout: float = 15) -> pd.DataFrame:
    """Poll the rendered table until ``predicate(frame)`` holds; return it."""
    deadline = time.monotonic() + timeout
    while True:
        df = read_table(page)
        if len(df) and predicate(df):
            return df
        if time.monotonic() > deadline:
            raise AssertionError(f"table never matched; last seen:\n{df}")
        time.sleep(0.2)


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_page_loads_ranked_by_score(page, server) -> None:
    url, db = server
    page.goto(url)
    page.wait_for_selector("#leaderboard-table .virtual-row")
    n = len(ResultsStore(db).names())
    df = wait_table(page, lambda d: len(d) == n)
    mean_rank = df["Mean rank"].astype(float).tolist()  # the default order: mean rank across suites
    assert mean_rank == sorted(mean_rank)
    assert df["Rank"].tolist() == [str(k) for k in range(1, n + 1)]
    order = df["Submission"].tolist()
    assert order.index("ltc_lightgbm") < order.index("ppl_clm")
    assert {"CI95", "Error reduction vs PPL-CLM", "zeng2025 · cms", "tiny · cms"} <= set(df.columns)
    page.screenshot(path=str(ARTIFACTS / "leaderboard.png"), full_page=True)


def test_label_noise_is_shown_for_every_suite(page, server) -> None:
    summary = page.locator("#noise-summary").inner_text()
    for name in list_suites():
        assert name in summary
    open_tab(page, "Suites & label noise")
    with_seeds = [
        n for n in list_suites() if (t := suite_noise(load_suite(n))) is not None and t["n_repeated"].any()
    ]
    assert "tiny" in with_seeds  # the tiny suite ships its seed reruns
    tab = page.locator("#noise-tab")
    page.wait_for_function(f"document.querySelectorAll('#noise-tab img').length >= {len(with_seeds)}")
    assert tab.locator("img").first.evaluate("img => img.naturalWidth") > 500  # a rendered figure
    assert "quality bar" in tab.inner_text() and "label flips" in tab.inner_text()
    page.screenshot(path=str(ARTIFACTS / "label_noise.png"), full_page=True)
    open_tab(page, "Leaderboard")  # the next tests share this page


def test_filters_search_and_columns(page, server) -> None:
    kind, tasks, columns = (
        page.locator("#filter-type"),
        page.locator("#filter-tasks"),
        page.locator("#columns"),
    )
    kind.get_by_label("supervised", exact=True).check()
    df = wait_table(page, lambda d: set(d["Type"]) == {"supervised"})
    assert sorted(df["Submission"]) == ["ltc_lightgbm", "ltc_logreg", "ltc_meta", "ltc_mlp"]
    kind.get_by_label("all", exact=True).check()
    search = page.locator("#search textarea, #search input").first
    search.fill("lightgbm")
    df = wait_table(page, lambda d: len(d) == 1)
    assert df["Submission"].tolist() == ["ltc_lightgbm"]
    search.fill("")
    tasks.get_by_label("cbqa", exact=True).uncheck()
    wait_table(page, lambda d: "zeng2025 · cbqa" not in d.columns and len(d) > 3)
    columns.get_by_label("Kendall τ", exact=True).check()
    wait_table(page, lambda d: "Kendall τ" in d.columns)
    tasks.get_by_label("cbqa", exact=True).check()
    columns.get_by_label("Kendall τ", exact=True).uncheck()
    wait_table(page, lambda d: "zeng2025 · cbqa" in d.columns and "Kendall τ" not in d.columns)


def test_detail_tab_shows_top_submission(page, server) -> None:
    top = wait_table(page, lambda d: True)["Submission"].iloc[0]  # the table's first row
    open_tab(page, "Submission detail")
    page.locator("h3", has_text=top).wait_for()
    assert page.get_by_text("true best at predicted rank (mean)").is_visible()
    open_tab(page, "Leaderboard")


def test_row_click_opens_detail(page, server) -> None:
    second = wait_table(page, lambda d: len(d) > 1)["Submission"].iloc[1]  # a rendered row, not the default
    row = page.locator("#leaderboard-table .virtual-row").filter(has_text=second)
    row.locator("[role=gridcell]").nth(1).click()
    page.locator("h3", has_text=second).wait_for()
    page.wait_for_function("document.querySelectorAll('img').length >= 2")
    time.sleep(0.5)
    page.screenshot(path=str(ARTIFACTS / "detail.png"), full_page=True)
    open_tab(page, "Leaderboard")


def _upload(page, zip_path: Path, name: str) -> str:
    open_tab(page, "Submit")
    page.locator("#upload-zip input[type=file]").set_input_files(str(zip_path))
    page.wait_for_selector("#upload-zip >> text=.zip")
    page.locator("#upload-name textarea, #upload-name input").first.fill(name)
    page.locator("#upload-button").click()
    status = page.locator("#upload-status")
    page.wait_for_function(
        "() => /Submission (accepted|refused)/.test(document.querySelector('#upload-status').innerText)",
        timeout=30_000,
    )
    return status.inner_text()


def test_malformed_upload_shows_error_and_adds_nothing(page, server, tmp_path: Path) -> None:
    _, db = server
    store = ResultsStore(db)
    before = store.check_integrity()
    table = pd.read_parquet(SUBMISSIONS / "ppl_sc" / "zeng2025.parquet").drop(columns="prob_a_better")
    text = _upload(page, submission_zip(tmp_path / "bad.zip", table=table), "broken-method")
    assert "Submission refused" in text and "missing column(s) 'prob_a_better'" in text
    page.screenshot(path=str(ARTIFACTS / "submit_error.png"), full_page=True)
    assert store.check_integrity() == before
    assert "broken-method" not in store.names()
    open_tab(page, "Leaderboard")
    df = wait_table(page, lambda d: True)
    assert "broken-method" not in set(df["Submission"]) and len(df) == before["submissions"]


def test_valid_upload_adds_a_row(page, server, tmp_path: Path) -> None:
    _, db = server
    store = ResultsStore(db)
    before = store.check_integrity()
    page.reload()
    text = _upload(page, submission_zip(tmp_path / "good.zip", base="sc_plus_rag"), "my-new-method")
    assert "Submission accepted" in text and "my-new-method" in text
    assert store.check_integrity()["submissions"] == before["submissions"] + 1
    open_tab(page, "Leaderboard")
    df = wait_table(page, lambda d: "my-new-method" in set(d["Submission"]))
    rows = df.set_index("Submission")
    # the upload covers zeng2025 only: its cells equal the built-in's, its other suites show "—"
    for cell in (f"zeng2025 · {task}" for task in ("cms", "rag", "cbqa")):
        assert rows.loc["my-new-method", cell] == rows.loc["sc_plus_rag", cell]
    tiny_cells = [c for c in df.columns if c.startswith("tiny · ")]
    assert tiny_cells and (rows.loc["my-new-method", tiny_cells] == MISSING).all()
    mean_rank = df["Mean rank"].astype(float).tolist()
    assert mean_rank == sorted(mean_rank)
    assert {RANK_RANGE, "Rank · tiny", "Rank · zeng2025", "Reproduced"} <= set(df.columns)
    page.screenshot(path=str(ARTIFACTS / "after_upload.png"), full_page=True)


def test_new_page_opens_detail_of_an_upload(page, server, tmp_path: Path) -> None:
    """A submission accepted after the server started opens in a new page's detail view (#16)."""
    url, _ = server
    page.goto(url)
    page.wait_for_selector("#leaderboard-table .virtual-row")
    text = _upload(page, submission_zip(tmp_path / "fresh.zip", base="kshot_cbqa"), "fresh-upload")
    assert "Submission accepted" in text
    fresh = page.context.new_page()
    fresh.set_default_timeout(20_000)
    try:
        fresh.goto(url)
        fresh.wait_for_selector("#leaderboard-table .virtual-row")
        wait_table(fresh, lambda d: "fresh-upload" in set(d["Submission"]))
        row = fresh.locator("#leaderboard-table .virtual-row").filter(has_text="fresh-upload")
        row.locator("[role=gridcell]").nth(1).click()
        fresh.locator("h3", has_text="fresh-upload").wait_for()
        fresh.get_by_text("true best at predicted rank (mean)").wait_for()
        time.sleep(1.0)  # an error toast would arrive with the detail event's answer
        toasts = fresh.locator("[data-testid=toast-body]")
        assert toasts.count() == 0, toasts.all_inner_texts()
        fresh.screenshot(path=str(ARTIFACTS / "detail_after_upload.png"), full_page=True)
    finally:
        fresh.close()
