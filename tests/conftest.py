"""Shared fixtures: the example vault (always present) and the shared corpus (skipped when absent)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_VAULT = REPO / "data" / "example-vault"
NEW_NOTE = REPO / "data" / "new-note.md"
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "arxiv-today"
SEED = SHARED / "seed"


@pytest.fixture(scope="session")
def example_vault() -> Path:
    """The example vault written for tagger (read-only: copy it before writing)."""
    return EXAMPLE_VAULT


@pytest.fixture(scope="session")
def new_note() -> Path:
    """A note outside the example vault, for suggesting."""
    return NEW_NOTE


@pytest.fixture(scope="session")
def example_model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained once per session on the example vault, saved to a temp file."""
    from tagger import read_entries
    from tagger.model import TagModel
    from tagger.model.io import save_model

    path = tmp_path_factory.mktemp("example-model") / "tagger.model"
    save_model(TagModel().fit(read_entries(EXAMPLE_VAULT, on_problem=lambda err: None)), path)
    return path


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The shared real archive; tests using it skip cleanly when it is absent."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus/arxiv-today is not present")
    return CORPUS


@pytest.fixture(scope="session")
def seed_digest() -> Path:
    """The seed digest `000_1c39748830d48db5.txt`; skipped when absent."""
    path = SEED / "000_1c39748830d48db5.txt"
    if not path.is_file():
        pytest.skip("../shared/seed is not present")
    return path


@pytest.fixture(scope="module")
def review_server(tmp_path_factory: pytest.TempPathFactory, example_vault: Path, example_model_file: Path) -> Iterator[Any]:
    """A real `tagger serve` on a writable copy of the example vault (one per test module; no retraining)."""
    from serving import Server, vault_copy

    root = vault_copy(example_vault, tmp_path_factory.mktemp("served") / "vault", example_model_file)
    server = Server(root, "--debounce", "3600")
    yield server
    assert server.stop() == 0
