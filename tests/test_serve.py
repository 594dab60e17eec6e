"""`tagger serve` as a user meets it: real server processes on the loopback, real clients.

One server (with retraining held off) answers most tests on a copy of the example vault;
the tests that kill, stop or retrain start their own.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import Server, bad_requests, env, hook, vault_copy

from tagger import parse_note, set_tags
from tagger.serve.state import ServerState, read_state, state_path, write_state


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, example_vault: Path, example_model_file: Path) -> Iterator[Server]:
    root = vault_copy(example_vault, tmp_path_factory.mktemp("served") / "vault", example_model_file)
    server = Server(root, "--debounce", "3600")  # no retrain under these tests: the model file stays the one compared against
    yield server
    assert server.stop() == 0
    assert not state_path(root).exists(), "a clean stop removes the state file"


def _notes(root: Path) -> list[Path]:
    """The tagged notes of the vault with an abstract and a Korean comment."""
    out = []
    for p in sorted(root.rglob("*.md")):
        e = parse_note(p.read_text(encoding="utf-8"))
        if e.tags and e.abstract and any("\uac00" <= c <= "\ud7a3" for c in e.comment):
            out.append(p)
    assert len(out) >= 2
    return out


def _note(root: Path) -> Path:
    return _notes(root)[0]


# ---- start, state file, one server per vault ---------------------------------------------------


def test_state_file_is_private_and_names_a_live_server(served: Server) -> None:
    path = state_path(served.root)
    assert path.stat().st_mode & 0o777 == 0o600
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert {"url", "token", "pid", "started"} <= raw.keys() and raw["pid"] == served.proc.pid
    assert raw["url"].startswith("http://127.0.0.1:") and len(raw["token"]) >= 32
    assert served.request("GET", "/api/health", token=None) == (200, {"status": "ok"})


def test_a_second_server_for_the_vault_says_where_the_first_is(served: Server) -> None:
    proc = subprocess.run([sys.executable, "-m", "tagger", "serve", str(served.root)], env=env(), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert f"already has a tagger server running at {served.state.url} (process {served.proc.pid})" in proc.stderr
    assert read_state(served.root) == served.state


def test_a_state_file_left_by_a_killed_server_is_replaced(tmp_path: Path, example_vault: Path, example_model_file: Path) -> None:
    root = vault_copy(example_vault, tmp_path / "vault", example_model_file)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    write_state(root, ServerState(url="http://127.0.0.1:9", token="x" * 40, pid=dead.pid, started="2026-01-01T00:00:00+00:00"))
    # A client ignores it (its process is gone) and works alone.
    assert hook(root, [str(_note(root).relative_to(root))]).returncode == 0
    server = Server(root)
    try:
        assert server.state.pid != dead.pid and server.request("GET", "/api/health")[0] == 200
    finally:
        server.kill(signal.SIGINT)  # Ctrl-C: a clean stop too
        assert server.proc.wait(timeout=20) == 0
    assert not state_path(root).exists()


# ---- the API ---------------------------------------------------------------------------------


def test_suggest_answers_as_the_model_does(served: Server, example_model_file: Path) -> None:
    from tagger.model.io import load_model

    model = load_model(example_model_file)
    path = _note(served.root)
    text = path.read_text(encoding="utf-8")
    entry = parse_note(set_tags(text, []))
    want = [{"tag": s.tag, "score": s.score, "assigned": s.assigned} for s in model.suggest([entry], k=3)[0]]
    status, got = served.request("POST", "/api/suggest", {"text": set_tags(text, []), "k": 3})
    assert status == 200 and got["suggestions"] == want
    assert got["model"]["notes"] == model.metadata_["notes"] and got["model"]["trained_at"] == model.metadata_["trained_at"]
    fields = {"title": entry.title, "abstract": entry.abstract, "comment": entry.comment}
    status, many = served.request("POST", "/api/suggest", [fields, {**fields, "k": 1}])
    assert status == 200 and [len(a["suggestions"]) for a in many] == [5, 1]
    assert many[0]["suggestions"][:3] == want


def test_concurrent_requests_are_all_answered(served: Server) -> None:
    text = _note(served.root).read_text(encoding="utf-8")
    results: list[int] = []

    def client(i: int) -> None:
        for j in range(6):
            body = {"text": text} if (i + j) % 2 else [{"text": text}, {"title": "Mixture of experts"}]
            results.append(served.request("POST", "/api/suggest", body)[0])
        results.append(served.request("GET", "/api/status")[0])

    threads = [threading.Thread(target=client, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results == [200] * (12 * 7)


def test_status_shows_the_model_and_the_retrainer(served: Server) -> None:
    status, got = served.request("GET", "/api/status")
    assert status == 200
    assert got["model"]["loaded"] and got["model"]["notes"] > 50 and got["model"]["age_seconds"] >= 0
    assert got["retrain"]["running"] is False and got["retrain"]["last"] is None
    assert got["index"]["notes"] >= 80


# ---- bad requests: every one a 4xx, the server answering afterwards ----------------------------


def test_bad_requests_are_4xx_and_the_server_goes_on(served: Server) -> None:
    for name, data in bad_requests(served):
        status, body = served.raw(data)
        assert 400 <= status < 500, f"{name}: {status} {body!r}"
        assert isinstance(body, dict) and body.get("error"), f"{name}: the answer names the problem, got {body!r}"
    rng = random.Random(14)
    for _ in range(40):  # random bytes, random request lines
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 600)))
        status, _ = served.raw(rng.choice([b"", b"GET ", b"POST /api/suggest HTTP/1.1\r\n"]) + junk + b"\r\n\r\n", timeout=20)
        assert status == 0 or 400 <= status < 500
    assert served.request("GET", "/api/health") == (200, {"status": "ok"})
    assert served.request("POST", "/api/suggest", {"text": "Sparse mixture of experts."})[0] == 200


# ---- the clients: same report, without numpy, falling back ------------------------------------


_PROBE = """
import json, sys
sys.argv[0] = "x"
which = sys.argv.pop(1)
if which == "hook":
    from tagger.cli.hook import check_main
    code = check_main(sys.argv[1:])
else:
    from tagger.cli.main import main
    code = main(["suggest", *sys.argv[1:]])
print(json.dumps({"code": code, "heavy": sorted(m for m in ("numpy", "scipy", "kiwipiepy", "sklearn", "pandas") if m in sys.modules)}))
"""


def _probe(root: Path, which: str, files: list[str], *, server: bool = True) -> tuple[dict[str, object], str]:
    proc = subprocess.run([sys.executable, "-c", _PROBE, which, *files], cwd=root, env=env(**({} if server else {"TAGGER_SERVER": "off"})),
                          capture_output=True, text=True, check=False)
    lines = proc.stdout.strip().splitlines()
    return json.loads(lines[-1]), "\n".join(lines[:-1]) + proc.stderr


def _staged(root: Path) -> list[str]:
    """An untagged note (Korean comment), a misspelled tag, a coined tag: what the hook has to say something about."""
    untagged, other = _notes(root)[:2]
    untagged.write_text(set_tags(untagged.read_text(encoding="utf-8"), []), encoding="utf-8")
    text = other.read_text(encoding="utf-8")
    tags = parse_note(text).tags
    other.write_text(set_tags(text, [tags[0].upper() if tags[0].upper() != tags[0] else tags[0].lower(), *tags[1:], "a-coined-tag"]), encoding="utf-8")
    return [str(untagged.relative_to(root)), str(other.relative_to(root))]


def test_hook_report_is_the_same_with_and_without_a_server_and_loads_no_numpy(served: Server) -> None:
    root = served.root
    files = _staged(root)
    for mode in ("check", "fix"):
        if mode == "fix":
            before = {f: (root / f).read_bytes() for f in files}
        alone = hook(root, files, mode=mode, server=False)
        if mode == "fix":
            after_alone = {f: (root / f).read_bytes() for f in files}
            for f, data in before.items():
                (root / f).write_bytes(data)
        with_server = hook(root, files, mode=mode)
        assert (with_server.returncode, with_server.stdout, with_server.stderr) == (alone.returncode, alone.stdout, alone.stderr)
        if mode == "fix":
            assert {f: (root / f).read_bytes() for f in files} == after_alone
            for f, data in before.items():
                (root / f).write_bytes(data)
    assert "no tags" in alone.stdout or "added #" in alone.stdout
    result, text = _probe(root, "hook", files)
    assert result == {"code": 1, "heavy": []}, text
    assert "suggested:" in text and "is spelled #" in text and "#a-coined-tag is a new tag" in text
    assert _probe(root, "hook", files, server=False)[0]["heavy"] != []  # the probe can tell


def test_tagger_suggest_asks_the_server_without_numpy(served: Server) -> None:
    rel = str(_note(served.root).relative_to(served.root))
    result, text = _probe(served.root, "suggest", [rel])
    alone, text_alone = _probe(served.root, "suggest", [rel], server=False)
    assert result == {"code": 0, "heavy": []} and alone["code"] == 0
    assert text == text_alone and "assigned: #" in text


def test_a_stuck_or_killed_server_leaves_the_hook_as_it_is_alone(tmp_path: Path, example_vault: Path, example_model_file: Path) -> None:
    root = vault_copy(example_vault, tmp_path / "vault", example_model_file)
    files = _staged(root)
    alone = hook(root, files, server=False)
    assert alone.returncode == 1 and "no tags" in alone.stdout
    server = Server(root)
    try:
        # Stopped (SIGSTOP): its process exists but never answers; the client gives up after its timeout.
        server.kill(signal.SIGSTOP)
        started = time.monotonic()
        got = hook(root, files)
        assert (got.returncode, got.stdout, got.stderr) == (alone.returncode, alone.stdout, alone.stderr)
        assert time.monotonic() - started < 30
        server.kill(signal.SIGCONT)
        # Killed (SIGKILL) in the middle of a request: its state file stays, naming a process that is gone.
        big = [{"text": (root / files[0]).read_text(encoding="utf-8")}] * 400
        answers: list[tuple[int, object]] = []
        t = threading.Thread(target=lambda: answers.append(server.request("POST", "/api/suggest", big)))
        t.start()
        time.sleep(0.05)
        server.kill(signal.SIGKILL)
        t.join()
        server.proc.wait(timeout=10)
        assert answers[0][0] in (0, 200) and read_state(root) is not None
        got = hook(root, files)
        assert (got.returncode, got.stdout, got.stderr) == (alone.returncode, alone.stdout, alone.stderr)
    finally:
        server.kill(signal.SIGCONT)
        server.stop()


# ---- freshness --------------------------------------------------------------------------------


def test_a_new_tag_is_suggested_within_a_minute_and_status_shows_the_retrain(tmp_path: Path, example_vault: Path, example_model_file: Path) -> None:
    root = vault_copy(example_vault, tmp_path / "vault", example_model_file)
    server = Server(root, "--poll", "0.5", "--debounce", "1")
    try:
        text = "*Liquid Crystal Tokenizers for Protein Folding* (A. Author)\n\n> We fold proteins with liquid crystal tokenizers.\n\n단백질 폴딩을 위한 토크나이저.\n"
        assert "protein-folding" not in json.dumps(server.request("POST", "/api/suggest", {"text": text, "k": 10})[1])
        (root / "2025" / "250630 Liquid Crystal Tokenizers.md").write_text(text + "\n#protein-folding #reasoning\n", encoding="utf-8")
        started, found = time.monotonic(), False
        while time.monotonic() - started < 60 and not found:
            time.sleep(0.5)
            status, got = server.request("POST", "/api/suggest", {"text": text, "k": 10})
            assert status == 200  # answered throughout, by the old model until the new one is in
            found = any(s["tag"] == "protein-folding" for s in got["suggestions"])
        assert found, "the new tag was not suggested within 60 s"
        status, got = server.request("GET", "/api/status")
        last = got["retrain"]["last"]
        assert last["result"] == "ok" and last["error"] is None and got["retrain"]["retrains"] >= 1
        assert got["model"]["trained_at"] >= last["started"]
        # A failed retrain keeps the old model and says so: `tagger train` cannot read a broken tagger.toml.
        (root / "tagger.toml").write_text("[aliases\n", encoding="utf-8")
        (root / "2025" / "250630 Liquid Crystal Tokenizers.md").write_text(text + "\n#protein-folding\n", encoding="utf-8")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and last["result"] != "failed":
            time.sleep(0.5)
            last = server.request("GET", "/api/status")[1]["retrain"]["last"]
        assert last["result"] == "failed" and "tagger.toml" in last["error"], last
        status, got = server.request("POST", "/api/suggest", {"text": text, "k": 10})
        assert status == 200 and any(s["tag"] == "protein-folding" for s in got["suggestions"])  # the old model, still answering
    finally:
        assert server.stop() == 0
