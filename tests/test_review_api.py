"""The review page's server side, over real HTTP: its login, who may write, and what each write does to the files.

A real `tagger serve` on a copy of the example vault (retraining held off). Every write is
checked against the bytes on disk: what changed, and that nothing else did. The browser
drives the same endpoints in `test_review_page.py`.
"""

from __future__ import annotations

import http.client
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from serving import Server, snapshot, with_tag_line

from tagger.notes.files import sha256
from tagger.serve.http import cookie_name


@pytest.fixture(scope="module")
def served(review_server: Server) -> Server:
    return review_server


def get(s: Server, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(s.host, s.port, timeout=30)
    conn.request("GET", path, headers={"Host": f"127.0.0.1:{s.port}", **(headers or {})})
    r = conn.getresponse()
    out = r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    conn.close()
    return out


def cookie(s: Server) -> str:
    return f"{cookie_name(s.port)}={s.state.token}"


def own_origin(s: Server) -> dict[str, str]:
    return {"Cookie": cookie(s), "Origin": f"http://127.0.0.1:{s.port}"}


def untagged(s: Server) -> list[dict[str, Any]]:
    status, body = s.request("GET", "/api/review/untagged")
    assert status == 200
    return list(body["notes"])


WRITES: list[tuple[str, dict[str, Any]]] = [
    ("/api/review/tags", {"path": "2020/x.md", "tags": ["rl"], "seen": "0" * 64}),
    ("/api/review/merge", {"members": ["GAN"], "into": "gan"}),
    ("/api/review/dismiss", {"path": "2020/x.md", "tag": "rl", "kind": "missing"}),
    ("/api/review/undo", {"id": "review-20250101-000000.jsonl"}),
]


# ---- the login ----------------------------------------------------------------------------------


def test_the_token_in_the_url_becomes_an_httponly_strict_cookie_and_leaves_the_address_bar(served: Server) -> None:
    status, headers, _ = get(served, f"/review?token={served.state.token}")
    assert status == 303 and headers["location"] == "/review"
    set_cookie = headers["set-cookie"]
    assert set_cookie.startswith(cookie(served) + ";")
    assert {"HttpOnly", "SameSite=Strict", "Path=/"} <= {p.strip() for p in set_cookie.split(";")}
    status, headers, body = get(served, "/review", {"Cookie": cookie(served)})
    assert status == 200 and headers["content-type"].startswith("text/html") and b"<script src=\"/review/review.js\">" in body
    assert "script-src 'self'" in headers["content-security-policy"] and headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    "path, headers",
    [
        ("/review", {}),
        ("/review?token=wrong", {}),
        ("/review", {"Cookie": "tagger-token-1=" + "x" * 43}),
        ("/api/review/untagged", {}),
        ("/api/review/vocabulary", {"Cookie": "nonsense"}),
    ],
)
def test_the_page_and_its_data_need_the_token(served: Server, path: str, headers: dict[str, str]) -> None:
    status, _, body = get(served, path, headers)
    assert status == 401 and b"token" in body


def test_the_cookie_of_the_right_server_opens_the_data(served: Server) -> None:
    status, _, body = get(served, "/api/review/vocabulary", {"Cookie": cookie(served)})
    assert status == 200 and json.loads(body)["tags"]


# ---- who may write --------------------------------------------------------------------------------


@pytest.mark.parametrize("path, body", WRITES)
@pytest.mark.parametrize(
    "who",
    ["no token", "wrong token", "cookie, foreign Origin", "cookie, no Origin", "token, foreign Origin", "cookie, Origin of another port"],
)
def test_writes_are_refused_without_the_token_or_from_another_origin(served: Server, path: str, body: dict[str, Any], who: str) -> None:
    before = snapshot(served.root)
    headers = {
        "no token": {},
        "wrong token": {"Authorization": "Bearer " + "x" * 43},
        "cookie, foreign Origin": {"Cookie": cookie(served), "Origin": "http://attacker.example"},
        "cookie, no Origin": {"Cookie": cookie(served)},
        "token, foreign Origin": {"Authorization": f"Bearer {served.state.token}", "Origin": "http://attacker.example"},
        "cookie, Origin of another port": {"Cookie": cookie(served), "Origin": f"http://127.0.0.1:{served.port + 1}"},
    }[who]
    status, answer = served.request("POST", path, body, token=None, headers=headers)
    assert status in (401, 403), (status, answer)
    assert snapshot(served.root) == before


# ---- what the writes do ---------------------------------------------------------------------------


def test_setting_a_notes_tags_changes_only_its_tag_line_and_undo_restores_it(served: Server) -> None:
    note = untagged(served)[0]
    before = snapshot(served.root)
    status, out = served.request("POST", "/api/review/tags", {"path": note["path"], "tags": ["#rl", "agent"], "seen": note["sha"]},
                                 token=None, headers=own_origin(served))
    assert status == 200, out
    after = snapshot(served.root)
    assert {k for k in after if after[k] != before.get(k)} == {note["path"]}
    assert after[note["path"]] == with_tag_line(before[note["path"]], b"#rl #agent")
    assert out["tags"] == ["rl", "agent"] and out["sha"] == sha256(after[note["path"]])
    assert note["path"] not in [n["path"] for n in untagged(served)]  # the page's next load sees it at once
    status, undone = served.request("POST", "/api/review/undo", {"id": out["action"]["id"]})
    assert status == 200 and undone == {"restored": [note["path"]], "left": []}
    assert snapshot(served.root) == before


def test_a_note_edited_since_the_page_saw_it_is_not_written(served: Server) -> None:
    note = untagged(served)[0]
    path = served.root / note["path"]
    edited = path.read_bytes() + "에디터에서 덧붙인 줄.\n".encode()
    path.write_bytes(edited)
    status, out = served.request("POST", "/api/review/tags", {"path": note["path"], "tags": ["rl"], "seen": note["sha"]})
    assert status == 409 and "changed since the page showed it" in out["error"]
    assert path.read_bytes() == edited


def test_a_typed_tag_is_written_in_the_vaults_spelling(served: Server) -> None:
    note = untagged(served)[-1]
    before = snapshot(served.root)
    status, out = served.request("POST", "/api/review/tags", {"path": note["path"], "tags": ["Long_Context"], "seen": note["sha"]})
    assert status == 200 and out["tags"] == ["long-context"]
    assert served.request("POST", "/api/review/undo", {"id": out["action"]["id"]})[0] == 200
    assert snapshot(served.root) == before


def test_merging_a_spelling_group_rewrites_only_those_tags_and_undo_restores_every_note(served: Server) -> None:
    before = snapshot(served.root)
    status, vocab = served.request("GET", "/api/review/vocabulary")
    group = next(m for m in vocab["merges"] if m["kind"] == "spelling" and m["into"] == "gan")
    status, out = served.request("POST", "/api/review/merge", {"members": [t for t in group["tags"] if t != "gan"], "into": "gan"})
    assert status == 200, out
    after = snapshot(served.root)
    old_tag = re.compile(rb"(?<!\S)#GAN(?=\s|$)")
    expected = {k: old_tag.sub(b"#gan", v) for k, v in before.items()}
    assert after == expected and after != before
    assert sorted(out["action"]["written"]) == sorted(k for k in before if expected[k] != before[k])
    status, undone = served.request("POST", "/api/review/undo", {"id": out["action"]["id"]})
    assert status == 200 and sorted(undone["restored"]) == sorted(out["action"]["written"])
    assert snapshot(served.root) == before


def test_dismissals_are_remembered_in_the_vaults_tool_folder_all_of_them_and_can_be_undone(served: Server) -> None:
    notes = [n["path"] for n in untagged(served)]
    items = [{"path": p, "tag": f"t{i}", "kind": "missing"} for p in notes for i in range(8)]

    def post(item: dict[str, str]) -> int:
        return served.request("POST", "/api/review/dismiss", item)[0]

    with ThreadPoolExecutor(8) as pool:  # two tabs, quick keys: none may be lost
        assert set(pool.map(post, items)) == {200}
    kept = json.loads((served.root / ".tagger" / "review-dismissed.json").read_text(encoding="utf-8"))
    assert len(kept) == len(items) and {"path": notes[0], "tag": "t0", "kind": "missing"} in kept
    status, body = served.request("POST", "/api/review/undismiss", items[0])
    assert status == 200 and body == {"dismissed": False}
    kept = json.loads((served.root / ".tagger" / "review-dismissed.json").read_text(encoding="utf-8"))
    assert len(kept) == len(items) - 1 and items[0] not in kept


def test_writes_at_once_queue_rather_than_refuse_each_other(served: Server) -> None:
    notes = untagged(served)
    before = snapshot(served.root)

    def post(note: dict[str, Any]) -> tuple[int, Any]:
        return served.request("POST", "/api/review/tags", {"path": note["path"], "tags": ["rl"], "seen": note["sha"]})

    with ThreadPoolExecutor(len(notes)) as pool:
        answers = list(pool.map(post, notes))
    assert [a[0] for a in answers] == [200] * len(notes), answers
    assert changed_paths(before, snapshot(served.root)) == {n["path"] for n in notes}
    for _, out in answers:
        assert served.request("POST", "/api/review/undo", {"id": out["action"]["id"]})[0] == 200
    assert snapshot(served.root) == before


def changed_paths(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


@pytest.mark.parametrize("name", [".tagger/server.json", "notes.txt", ".obsidian/workspace.md", "2020/.hidden/a.md"])
def test_only_notes_are_written_never_another_file_of_the_vault(served: Server, name: str) -> None:
    path = served.root / name
    path.parent.mkdir(exist_ok=True)
    if not path.exists():  # a file that would read as a note, in a place that holds none
        path.write_text("Title\n\n코멘트.\n", encoding="utf-8")
    before = snapshot(served.root)
    data = path.read_bytes()
    status, out = served.request("POST", "/api/review/tags", {"path": name, "tags": ["pwned"], "seen": sha256(data)})
    assert status == 422 and "is not a note of this vault" in out["error"]
    assert path.read_bytes() == data and snapshot(served.root) == before
    assert served.request("POST", "/api/review/dismiss", {"path": name, "tag": "x", "kind": "stray"})[0] == 422


def test_the_cookie_is_found_among_other_local_apps_cookies(served: Server) -> None:
    jar = f'other={{"a": 1}}; ui=a b; name=é; {cookie(served)}; sess=x'
    status, _, _ = get(served, "/api/review/vocabulary", {"Cookie": jar})
    assert status == 200


@pytest.mark.parametrize(
    "raw",
    [b'{"path": "2020/x.md", "tags": ["\\ud800"], "seen": "' + b"0" * 64 + b'"}', b"[" * 50_000 + b"]" * 50_000],
    ids=["lone surrogate", "deep nesting"],
)
def test_json_no_text_can_hold_is_a_400(served: Server, raw: bytes) -> None:
    head = (f"POST /api/review/tags HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\nAuthorization: Bearer {served.state.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(raw)}\r\n\r\n").encode()
    status, body = served.raw(head + raw)
    assert status == 400 and body["error"]


def test_a_request_from_another_site_may_not_use_the_cookie(served: Server) -> None:
    # Another port of 127.0.0.1 is the same *site* to SameSite; the browser's Sec-Fetch-Site says where it came from.
    status, _, _ = get(served, "/api/review/suspects", {"Cookie": cookie(served), "Sec-Fetch-Site": "same-site"})
    assert status == 403
    status, _, _ = get(served, "/api/review/vocabulary", {"Cookie": cookie(served), "Sec-Fetch-Site": "same-origin"})
    assert status == 200


@pytest.mark.parametrize(
    "path, body, status",
    [
        ("/api/review/tags", {"path": "../outside.md", "tags": ["rl"], "seen": "0" * 64}, 422),
        ("/api/review/tags", {"path": "/etc/passwd", "tags": ["rl"], "seen": "0" * 64}, 422),
        ("/api/review/tags", {"path": "2020/none.md", "tags": ["rl"], "seen": "0" * 64}, 422),
        ("/api/review/tags", {"path": "2020/x.md", "tags": "rl", "seen": "0" * 64}, 422),
        ("/api/review/tags", {"path": "2020/x.md", "tags": ["rl"], "seen": "abc"}, 422),
        ("/api/review/tags", {"path": "2020/x.md", "tags": ["rl"]}, 422),
        ("/api/review/tags", {"path": "2020/x.md", "tags": [""], "seen": "0" * 64}, 422),
        ("/api/review/tags", {"path": "2020/x.md", "tags": ["rl"] * 500, "seen": "0" * 64}, 422),
        ("/api/review/merge", {"members": [], "into": "gan"}, 422),
        ("/api/review/merge", {"members": ["GAN"], "into": 5}, 422),
        ("/api/review/merge", {"members": ["GAN"], "into": "#"}, 422),
        ("/api/review/dismiss", {"path": "2020/x.md", "tag": "rl", "kind": "other"}, 422),
        ("/api/review/undo", {"id": "../../etc/passwd"}, 422),
        ("/api/review/undo", {"id": "retag-20250101-000000.jsonl"}, 422),
        ("/api/review/undo", {"id": "review-19990101-000000.jsonl"}, 422),
        ("/api/review/why?path=../x.md", None, 422),
        ("/api/review/why?path=2020/none.md", None, 422),
    ],
)
def test_bad_review_requests_are_4xx_naming_the_problem(served: Server, path: str, body: Any, status: int) -> None:
    before = snapshot(served.root)
    got, answer = served.request("POST" if body is not None else "GET", path, body)
    assert got == status and isinstance(answer, dict) and answer["error"], answer
    assert snapshot(served.root) == before


def test_a_tag_that_cannot_be_written_is_refused_and_the_note_kept(served: Server) -> None:
    note = untagged(served)[0]
    before = snapshot(served.root)
    status, out = served.request("POST", "/api/review/tags", {"path": note["path"], "tags": ["c++"], "seen": note["sha"]})
    assert status == 422 and "'c++' is not a valid tag" in out["error"]
    assert snapshot(served.root) == before


def test_a_note_that_cannot_be_written_is_a_4xx_not_an_action_to_undo(served: Server) -> None:
    note = untagged(served)[0]
    path = served.root / note["path"]
    path.chmod(0o444)
    try:
        before = snapshot(served.root)
        status, out = served.request("POST", "/api/review/tags", {"path": note["path"], "tags": ["rl"], "seen": note["sha"]})
        assert status == 422 and note["path"] in out["error"] and "read-only" in out["error"], out
        assert snapshot(served.root) == before
    finally:
        path.chmod(0o644)


# ---- every route: without the token, refused ------------------------------------------------------


def test_every_route_but_the_open_ones_refuses_a_request_without_the_token(served: Server) -> None:
    """Each route the server is built with, asked with no token, no cookie (and a POST with a JSON body)."""
    from tagger.serve.api import routes
    from tagger.serve.page import page_routes

    # The handlers are never called: only the table of routes is read, as the server builds it.
    table = [*routes(Any, lambda: {}), *page_routes(Any, Any, "", lambda: 0)]  # type: ignore[arg-type]
    open_ones = {(r.method, r.path) for r in table if not r.auth}
    # Open: the health check, the page's static files (no data in them), and the login, which trades the
    # token in its address for the cookie and refuses without it (below).
    assert {p for _, p in open_ones} == {"/api/health", "/review", "/review/review.css", "/review/review.js", "/review/icon.svg"}
    guarded = [r for r in table if r.auth]
    assert len(guarded) >= 12  # the API's and the review page's: a table read wrong would test nothing
    for r in guarded:
        conn = http.client.HTTPConnection(served.host, served.port, timeout=30)
        headers = {"Host": f"127.0.0.1:{served.port}", "Content-Type": "application/json"}
        conn.request(r.method, r.path, body=b"{}" if r.method == "POST" else None, headers=headers)
        status = conn.getresponse().status
        conn.close()
        assert status == 401, f"{r.method} {r.path} answered {status} without the token"
    assert get(served, "/review")[0] == 401 and get(served, "/review?token=wrong")[0] == 401
