"""The review page on the corpus vault, in Debian's headless Chromium: first load, accepts, undo.

    python -m benchmarks.review_page [--accepts 30] [--loads 5]

Builds a writable copy of `../shared/corpus` (else the example vault), trains its model,
starts `tagger serve` on it (a real process, retraining on as it would be) and opens the page:

1. First load: milliseconds from the start of navigation to a page that answers keys
   (`data-ready-ms`, set by the page itself), on a server that has just started (the page
   waits for the suggestions the server is still working out), and on one that has been up
   10 s (target ≤ 1,000 ms); then `--loads` reloads.
2. `--accepts` notes accepted with the keyboard, one after another (`1` ticks the first
   suggestion when none is ticked, then `a`): each card's `data-ms`, from the request to the
   card showing what was written on disk. Target ≤ 100 ms.
3. "Undo all since opened": seconds, and the vault byte for byte as it was.

Needs `chromium` on the PATH (`.ci/run` installs it) and the `playwright` package.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
from tests.serving import Server, snapshot, vault_copy  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "arxiv-today"
EXAMPLE_VAULT = REPO / "data" / "example-vault"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _ready_ms(page: Any) -> int:
    from playwright.sync_api import expect

    expect(page.locator("body")).to_have_attribute("data-ready", "true", timeout=60_000)
    return int(page.locator("body").get_attribute("data-ready-ms"))


def run(accepts: int = 30, loads: int = 5, settle: float = 10.0) -> dict[str, Any]:
    from playwright.sync_api import expect, sync_playwright

    from tagger import read_entries
    from tagger.model import TagModel
    from tagger.model.io import save_model

    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("chromium is not installed (.ci/run installs it: apt-get install chromium)")
    source = CORPUS if CORPUS.is_dir() else EXAMPLE_VAULT
    out: dict[str, Any] = {"source": source.name}
    with tempfile.TemporaryDirectory(prefix="tagger-review-bench-") as tmp:
        vault = vault_copy(source, Path(tmp) / "vault", None)
        entries = read_entries(vault, on_problem=lambda err: None)
        out["notes"] = len(entries)
        save_model(TagModel().fit(entries), vault / ".tagger" / "tagger.model")
        original = snapshot(vault)
        server = Server(vault)
        try:
            url = f"{server.state.url}/review?token={server.state.token}"
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=ARGS)
                page = browser.new_page(viewport={"width": 1100, "height": 900})
                page.goto(url)
                out["first_load_ms"] = _ready_ms(page)
                out["untagged"] = page.locator("#untagged > li").count()
                page.close()
                # The usual case: the server started a while before the page is opened (it warms up meanwhile).
                time.sleep(settle)
                page = browser.new_page(viewport={"width": 1100, "height": 900})  # a new browser profile: nothing cached
                page.goto(url)
                out["settled_load_ms"] = _ready_ms(page)
                reloads = []
                for _ in range(loads):
                    page.reload()
                    reloads.append(_ready_ms(page))
                out["reload_ms"] = reloads
                cards = page.locator("#untagged > li")
                ms: list[int] = []
                for i in range(min(accepts, out["untagged"])):
                    card = cards.nth(i)
                    expect(card).to_be_focused()
                    # As a reader does: the card read, with its evidence words, before the key.
                    expect(card).to_have_attribute("data-why", "shown")
                    if card.locator("input[type=checkbox]:checked").count() == 0:
                        page.keyboard.press("1")
                    page.keyboard.press("a")
                    expect(card).to_have_attribute("data-ms", re.compile(r"^\d+$"))
                    ms.append(int(card.get_attribute("data-ms")))
                out["accept_ms"] = ms
                out["written"] = sum(1 for k, v in snapshot(vault).items() if original.get(k) != v)
                t0 = time.perf_counter()
                page.get_by_role("button", name="Undo all since opened").click()
                expect(page.locator("#status")).to_have_text(re.compile(rf"^undone {len(ms)} actions"), timeout=120_000)
                out["undo_all_s"] = time.perf_counter() - t0
                out["restored"] = snapshot(vault) == original
                browser.close()
        finally:
            server.stop()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accepts", type=int, default=30)
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args(argv)
    r = run(args.accepts, args.loads)
    acc = r["accept_ms"]
    print(f"review page on {r['source']} ({r['notes']:,} notes, {r['untagged']} untagged shown)")
    print(f"  first load, the page opened as the server started: {r['first_load_ms']} ms to interactive")
    print(f"  first load in a new browser profile, server up 10 s: {r['settled_load_ms']} ms to interactive (target ≤ 1000)")
    print(f"  reloads: median {statistics.median(r['reload_ms']):.0f} ms (of {', '.join(map(str, r['reload_ms']))})")
    p90 = sorted(acc)[int(0.9 * (len(acc) - 1))]
    print(f"  accept: {len(acc)} notes written, median {statistics.median(acc):.0f} ms, p90 {p90} ms, max {max(acc)} ms (target ≤ 100)")
    print(f"  undo all since opened: {r['undo_all_s']:.2f} s for {r['written']} notes; vault as it was: {r['restored']}")
    return 0 if r["restored"] else 1


if __name__ == "__main__":
    sys.exit(main())
