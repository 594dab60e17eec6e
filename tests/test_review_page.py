"""The review page in a real browser: Debian's headless Chromium, driven by Playwright, against `tagger serve`.

On a copy of the example vault: open the page through the URL `tagger serve` prints, accept
a note's suggestions, tick one and type a tag on another, skip one, merge a spelling group,
undo the last action and then everything since the page was opened — checking the note
files byte by byte after each step. Then a page on another origin tries to write with the
user's cookie, and nothing changes.

Screenshots of the three views are taken every run (into the test's folder);
`make screenshots` runs this test with `TAGGER_SCREENSHOTS=docs` to refresh those in `docs/`.
Nothing is downloaded: without Debian's `chromium` (`.ci/run` installs it) the tests skip.
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serving import Server, snapshot, with_tag_line

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("Debian's chromium is not installed (.ci/run installs it: apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')")

DOCS = Path(__file__).resolve().parents[1] / "docs"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def served(review_server: Server) -> Server:
    return review_server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def review_url(s: Server) -> str:
    return f"{s.state.url}/review?token={s.state.token}"


def shot(page: Any, name: str, folder: Path) -> None:
    """A screenshot of the page as it is, into `folder` (and `docs/` when asked)."""
    path = folder / f"review-{name}.png"
    page.screenshot(path=str(path))
    assert path.read_bytes().startswith(b"\x89PNG")
    if os.environ.get("TAGGER_SCREENSHOTS") == "docs":
        DOCS.mkdir(exist_ok=True)
        shutil.copy(path, DOCS / path.name)


def card(page: Any, view: str, path: str) -> Any:
    return page.locator(f"#{view} > li[data-path=\"{path}\"]")


def changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {k for k in after.keys() | before.keys() if after.get(k) != before.get(k)}


def test_accept_type_skip_merge_and_undo_in_a_real_browser(served: Server, browser: Any, tmp_path: Path) -> None:
    expect = sync_api.expect
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    original = snapshot(served.root)

    page.goto(review_url(served))
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    assert page.url.endswith("/review"), "the token is taken out of the address bar"
    cards = page.locator("#untagged > li")
    assert cards.count() == 6
    first = cards.nth(0)
    expect(first).to_be_focused()
    expect(first.locator(".why .because").first).to_be_visible()  # evidence words for the focused note
    shot(page, "untagged", tmp_path)

    # 1. Accept the first note's ticked suggestions with the keyboard: only its tag line changes.
    note1 = first.get_attribute("data-path")
    ticked = [b.get_attribute("value") for b in first.locator("input[type=checkbox]:checked").all()]
    assert ticked, "the example's newest untagged note has a suggestion at or above the floor"
    page.keyboard.press("a")
    expect(first).to_have_class(re.compile(r"\bdone\b"))
    after1 = snapshot(served.root)
    assert changed(original, after1) == {note1}
    assert after1[note1] == with_tag_line(original[note1], " ".join(f"#{t}" for t in ticked).encode())
    ms = int(first.get_attribute("data-ms"))
    print(f"accept written and shown in {ms} ms")

    # 2. The next note gets focus; tick its first suggestion with "1" and type a tag (in another spelling).
    second = cards.nth(1)
    expect(second).to_be_focused()
    note2 = second.get_attribute("data-path")
    for box in second.locator("input[type=checkbox]:checked").all():
        box.uncheck()
    page.keyboard.press("1")
    first_tag = second.locator("input[type=checkbox]").nth(0).get_attribute("value")
    typed = second.locator("input[type=text]")
    typed.fill("Long_Context")
    typed.press("Enter")
    typed.press("Escape")
    second.get_by_role("button", name=re.compile("^Accept")).click()
    expect(second).to_have_class(re.compile(r"\bdone\b"))
    after2 = snapshot(served.root)
    assert changed(after1, after2) == {note2}
    want = [first_tag] if first_tag == "long-context" else [first_tag, "long-context"]
    assert after2[note2] == with_tag_line(original[note2], " ".join(f"#{t}" for t in want).encode())

    # 3. Skip the third: nothing is written, and focus moves on.
    third = cards.nth(2)
    expect(third).to_be_focused()
    page.keyboard.press("x")
    expect(third.locator(".written")).to_have_text("skipped")
    expect(cards.nth(3)).to_be_focused()
    assert snapshot(served.root) == after2

    # 4. The suspects view fills in once the out-of-fold review has run.
    page.get_by_role("button", name=re.compile("^Suspect tags")).click()
    expect(page.locator("#suspects-note")).not_to_have_text(re.compile("^Scoring"), timeout=120_000)
    expect(page.locator("#suspects > li").first).to_be_visible()
    shot(page, "suspects", tmp_path)

    # 5. Merge the #GAN / #gan spelling group: every #GAN becomes #gan, nothing else changes.
    page.get_by_role("button", name=re.compile("^Vocabulary")).click()
    expect(page.locator("#tags tbody tr").first).to_be_visible()
    shot(page, "vocabulary", tmp_path)
    group = page.locator("#merges > li").filter(has=page.get_by_role("button", name=re.compile(r"^Merge into #gan\b")))
    group.get_by_role("button").click()
    expect(page.locator("#status")).to_have_text(re.compile(r"^merged #GAN, #gan into #gan in \d+ notes$"))
    expect(group).to_have_count(0)  # the vocabulary is shown again: the group is gone
    after5 = snapshot(served.root)
    gan = re.compile(rb"(?<!\S)#GAN(?=\s|$)")
    assert after5 == {k: gan.sub(b"#gan", v) for k, v in after2.items()} and after5 != after2

    # 6. Undo the last action (the merge) with "u": every note is back as before it.
    page.keyboard.press("u")
    expect(page.locator("#status")).to_have_text(re.compile(r"^undone 1 action: \d+ notes? restored$"))
    assert snapshot(served.root) == after2

    # 7. Undo everything since the page was opened: the vault is as it was.
    page.get_by_role("button", name="Undo all since opened").click()
    expect(page.locator("#status")).to_have_text("undone 3 actions: 2 notes restored")  # the skip is undone too
    assert snapshot(served.root) == original
    expect(page.get_by_role("button", name="Undo all since opened")).to_be_disabled()
    assert not errors, errors
    page.close()


def test_a_note_edited_meanwhile_is_not_overwritten_and_a_narrow_window_still_works(served: Server, browser: Any, tmp_path: Path) -> None:
    expect = sync_api.expect
    page = browser.new_page(viewport={"width": 420, "height": 900})
    page.goto(review_url(served))
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    first = page.locator("#untagged > li").nth(0)
    path = served.root / first.get_attribute("data-path")
    edited = path.read_bytes() + "\n편집기에서 방금 고친 줄.\n".encode()
    path.write_bytes(edited)  # the author edits the note in Obsidian while the page shows it
    page.keyboard.press("1")
    page.keyboard.press("a")
    expect(page.locator("#status")).to_have_text(re.compile("changed since the page showed it"))
    assert path.read_bytes() == edited
    assert first.get_attribute("class") is not None and "done" not in first.get_attribute("class")
    # Narrow: nothing wider than the window, so nothing needs scrolling sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
    shot(page, "narrow", tmp_path)
    page.close()


def test_a_key_pressed_twice_writes_once_and_undo_all_takes_it_back(served: Server, browser: Any) -> None:
    expect = sync_api.expect
    page = browser.new_page()
    page.goto(review_url(served))
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    before = snapshot(served.root)
    first = page.locator("#untagged > li").nth(0)
    path = first.get_attribute("data-path")
    if first.locator("input[type=checkbox]:checked").count() == 0:
        page.keyboard.press("1")
    ticked = [b.get_attribute("value") for b in first.locator("input[type=checkbox]:checked").all()]
    # Two presses in one task of the page: the second surely comes before the first answer (two
    # separate presses raced it: on a quiet machine the answer was back first, and the second "a"
    # then rightly acted on the next card).
    page.evaluate("() => { for (let i = 0; i < 2; i++) document.dispatchEvent(new KeyboardEvent('keydown', {key: 'a'})); }")
    expect(first).to_have_class(re.compile(r"\bdone\b"))
    expect(page.locator("#status")).not_to_have_class(re.compile("error"))
    assert snapshot(served.root)[path] == with_tag_line(before[path], " ".join(f"#{t}" for t in ticked).encode())
    page.get_by_role("button", name="Undo all since opened").click()
    expect(page.locator("#status")).to_have_text("undone 1 action: 1 note restored")
    assert snapshot(served.root) == before
    page.close()


class _Evil(http.server.BaseHTTPRequestHandler):
    """Another site on the loopback: a page that tries to write to the tagger server with the user's cookie."""

    target = ""
    body = b""

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        page = f"""<!doctype html><title>evil</title><body><form id="f" method="POST" enctype="text/plain"
            action="{self.target}/api/review/merge"><input name='{{"members": ["GAN"], "into": "gan", "x": "' value='"}}'></form>
            <script>
            fetch("{self.target}/api/review/merge", {{method: "POST", credentials: "include", mode: "no-cors",
                   headers: {{"Content-Type": "text/plain"}}, body: JSON.stringify({{members: ["GAN"], into: "gan"}})}})
              .catch(() => null).finally(() => {{ document.title = "fetched"; document.getElementById("f").submit(); }});
            </script></body>""".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def test_a_page_on_another_origin_cannot_write_with_the_users_cookie(served: Server, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(review_url(served))  # the user is logged in: the cookie is set
    sync_api.expect(page.locator("body")).to_have_attribute("data-ready", "true")
    before = snapshot(served.root)
    _Evil.target = served.state.url
    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Evil)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        attack = context.new_page()
        attack.goto(f"http://127.0.0.1:{evil.server_address[1]}/")
        attack.wait_for_url(re.compile(r"/api/review/merge$"))  # the form was posted, and answered
        assert "error" in attack.content()
    finally:
        evil.shutdown()
        evil.server_close()
    assert snapshot(served.root) == before
    context.close()
