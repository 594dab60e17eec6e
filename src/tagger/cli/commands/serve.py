"""Serve a vault's tagger over HTTP on the loopback: suggestions in milliseconds, the model kept fresh.

`tagger serve [VAULT] [--port N]` loads the model and Kiwi once, answers `tagger suggest`,
`tagger-check` and `tagger-fix` (which find it through `VAULT/.tagger/server.json`) and the
JSON API, and retrains in the background when the vault's tags change. Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tagger.cli.inputs import model_path, vault_config
from tagger.cli.options import add_model, positive_seconds
from tagger.cli.status import SUCCESS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add `tagger serve`'s arguments: the vault, `--port`, `--host`, `--model`, `--poll`, `--debounce`."""
    parser.add_argument("vault", nargs="?", default=".", metavar="VAULT", help="the vault's root folder (default: the current folder's vault)")
    parser.add_argument("--port", type=int, default=0, metavar="N", help="port to listen on (default 0: a free one, written to VAULT/.tagger/server.json)")
    parser.add_argument("--host", default="127.0.0.1", metavar="ADDRESS",
                        help="address to listen on (default 127.0.0.1; another address lets other machines reach the API, with the token)")
    add_model(parser)
    parser.add_argument("--poll", type=positive_seconds, default=2.0, metavar="SECONDS", help="how often the vault is checked for changed tags (default: 2)")
    parser.add_argument("--debounce", type=positive_seconds, default=3.0, metavar="SECONDS",
                        help="quiet time after the last tag change before retraining (default: 3)")


def run(args: argparse.Namespace) -> int:
    """Start the server, print its URL, serve until SIGINT/SIGTERM; returns 0 after a clean stop."""
    import logging

    from tagger.config import find_vault_root
    from tagger.errors import InputError, printable
    from tagger.serve.server import serve_until_signalled, start

    log = logging.getLogger("tagger")
    folder = Path(args.vault)
    if not folder.is_dir():
        raise InputError("is not a folder (give the vault's root folder)" if folder.exists() else "does not exist", path=folder)
    vault = find_vault_root(folder) if args.vault == "." else folder
    vault, config = vault_config([str(vault or folder)], folder_is_vault=True)
    assert vault is not None
    model = model_path(args.model, vault, config, where=str(vault))
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        log.warning("serving on %s, not only this machine: anyone who can reach port %s and has the token can use the API", args.host, args.port)
    running = start(vault, model, host=args.host, port=args.port, poll_s=args.poll, debounce_s=args.debounce, say=log.info)
    print(f"tagger serve: {running.state.url}  (vault {printable(running.vault)}, process {running.state.pid}; Ctrl-C stops it)", flush=True)
    # As Jupyter prints its URL: the token rides in it once, and the page trades it for a cookie.
    print(f"review page: {running.state.url}/review?token={running.state.token}", flush=True)
    if running.service.current() is None:
        log.info("no model yet at %s: training one from the vault's tagged notes", printable(model))
    serve_until_signalled(running)
    print("tagger serve: stopped", file=sys.stderr)
    return SUCCESS


__all__ = ["add_arguments", "run"]
