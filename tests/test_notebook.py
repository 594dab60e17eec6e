"""notebooks/evaluation.ipynb runs top to bottom (on the example vault), and its committed copy shows plots, not notes."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "evaluation.ipynb"


def _images(nb: object) -> int:
    return sum(
        "image/png" in out.get("data", {})
        for cell in nb.cells  # type: ignore[attr-defined]
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )


def test_notebook_executes_on_the_example_vault(example_vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("TAGGER_NOTEBOOK_VAULT", str(example_vault))  # fast, and the same on every machine
    monkeypatch.delenv("TAGGER_NOTEBOOK_FIGURES", raising=False)  # never overwrite docs/ from a test
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend makes the figures
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    errors = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs if out.output_type == "error"]
    assert not errors
    assert _images(nb) >= 4  # F1 vs frequency, reliability, threshold, usage over time
    first = next(out.text for out in nb.cells[1].outputs if out.output_type == "stream")
    assert first.startswith("example-vault:")


def test_committed_notebook_shows_plots_and_no_note_text(corpus_dir: Path) -> None:
    import logging

    nbformat = pytest.importorskip("nbformat")
    from tagger.notes.read import read_entries

    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert _images(nb) >= 4
    shown = "\n".join(
        out.get("text", "") + str(out.get("data", {}).get("text/plain", ""))
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )
    assert "shared corpus:" in shown  # the committed run is the corpus run
    logging.getLogger("tagger").setLevel(logging.ERROR)
    for e in read_entries(corpus_dir, on_problem=lambda err: None):
        for text in (e.title, e.comment, e.abstract):
            if len(text) >= 30:
                assert text[:30] not in shown, e.path
