"""The vault config `tagger.toml` and alias files."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tagger.config import Config, find_vault_root, load_aliases, load_config, path_matches, resolve_aliases
from tagger.errors import InputError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file(tmp_path: Path) -> None:
    cfg = load_config(tmp_path)
    assert cfg == Config()
    assert cfg.model_path is None and cfg.aliases == {} and cfg.include == ("**/*.md",)


def test_full_file(tmp_path: Path) -> None:
    write(
        tmp_path / "tagger.toml",
        '[aliases]\nlm = "llm"\nefficient_training = "efficient-training"\n"#GAN" = "gan"\n'
        '[model]\npath = "models/m.joblib"\n'
        '[hook]\non_missing_model = "warn"\nstale_after_notes = 7\ninclude = ["notes/**/*.md"]\nexclude = ["notes/templates/**"]\n',
    )
    cfg = load_config(tmp_path)
    assert cfg.aliases == {"lm": "llm", "efficient_training": "efficient-training", "GAN": "gan"}
    assert cfg.model_path == tmp_path / "models" / "m.joblib"
    assert (cfg.on_missing_model, cfg.stale_after_notes) == ("warn", 7)
    assert cfg.include == ("notes/**/*.md",) and cfg.exclude == ("notes/templates/**",)
    assert cfg.sources == (tmp_path / "tagger.toml",)
    assert cfg.alias_table.target("LM") == "llm" and cfg.alias_table.target("Efficient-Training") == "efficient-training"
    assert cfg.alias_table.target("rl") is None
    assert cfg.matches("notes/2024/a.md") and not cfg.matches("notes/templates/a.md") and not cfg.matches("a.md")


def test_absolute_model_path_kept(tmp_path: Path) -> None:
    write(tmp_path / "tagger.toml", f'[model]\npath = "{tmp_path / "elsewhere.joblib"}"\n')
    assert load_config(tmp_path).model_path == tmp_path / "elsewhere.joblib"


def test_alias_file_overrides_vault(tmp_path: Path) -> None:
    write(tmp_path / "tagger.toml", '[aliases]\nlm = "llm"\nrl = "reinforcement-learning"\n')
    bare = write(tmp_path / "a.toml", 'lm = "language-model"\n')
    table = write(tmp_path / "b.toml", '[aliases]\nrl = "RL"\n')
    assert load_config(tmp_path, aliases_file=bare).aliases == {"lm": "language-model", "rl": "reinforcement-learning"}
    assert load_config(tmp_path, aliases_file=table).aliases["rl"] == "RL"
    assert load_config(None, aliases_file=bare).aliases == {"lm": "language-model"}
    assert load_aliases(table) == {"rl": "RL"}


@pytest.mark.parametrize(
    ("vault_table", "file_table", "expected"),
    [
        # The file says `lm` again: its spelling of the target is the last one written.
        ('lm = "LLM"\nlanguage_model = "llm"\n', 'lm = "LLM"\n', "LLM"),
        ('lm = "LLM"\nlanguage_model = "llm"\n', None, "llm"),
        # The same key in two spellings inside one table: the later line wins.
        ('LM = "Llm"\nlanguage_model = "llm"\nlm = "LLM"\n', None, "LLM"),
    ],
    ids=["alias file overrides a redefined key", "vault table alone", "later line in one table"],
)
def test_the_last_written_spelling_of_a_target_wins(
    tmp_path: Path, vault_table: str, file_table: str | None, expected: str
) -> None:
    from tagger.spelling import SpellingRule

    (tmp_path / "tagger.toml").write_text("[aliases]\n" + vault_table, encoding="utf-8")
    extra = None
    if file_table is not None:
        extra = tmp_path / "aliases.toml"
        extra.write_text(file_table, encoding="utf-8")
    rule = SpellingRule({}, load_config(tmp_path, aliases_file=extra).aliases)
    assert {rule.respell(t)[0] for t in ("lm", "LLM", "language_model")} == {expected}


def test_chains_resolve_and_cycles_fail(tmp_path: Path) -> None:
    assert resolve_aliases({"a": "b", "b": "c", "GAN": "gan", "x": "GAN"}) == {"a": "c", "b": "c", "GAN": "gan", "x": "gan"}
    with pytest.raises(InputError, match="cycle"):
        resolve_aliases({"a": "b", "b": "A"})
    write(tmp_path / "tagger.toml", '[aliases]\na = "b"\nb = "a"\n')
    with pytest.raises(InputError, match="tagger.toml.*cycle"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[aliases\n", "not valid TOML"),
        ('[aliases]\nlm = 3\n', "must map to a tag"),
        ('[aliases]\nlm = "c++"\n', "not a valid tag"),
        ('aliases = "x"\n', "must be a table"),
        ('[hook]\non_missing_model = "ignore"\n', "on_missing_model"),
        ("[hook]\nstale_after_notes = -1\n", "stale_after_notes"),
        ("[hook]\nstale_after_notes = true\n", "stale_after_notes"),
        ("[hook]\ninclude = [1]\n", "include"),
        ("[model]\npath = 3\n", r"\[model\] path"),
    ],
)
def test_bad_files_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path / "tagger.toml", text)
    with pytest.raises(InputError, match=message) as info:
        load_config(tmp_path)
    assert str(info.value).startswith(str(tmp_path / "tagger.toml"))


def test_non_utf8_and_missing_alias_file(tmp_path: Path) -> None:
    (tmp_path / "tagger.toml").write_bytes(b'[aliases]\nlm = "\xff"\n')
    with pytest.raises(InputError, match="not UTF-8"):
        load_config(tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        load_config(None, aliases_file=tmp_path / "nope.toml")


def test_unknown_keys_warn(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write(tmp_path / "tagger.toml", '[hook]\nstale_after = 3\n[extra]\nx = 1\n')
    logger = logging.getLogger("tagger")
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.WARNING, logger="tagger"):
            cfg = load_config(tmp_path)
    finally:
        logger.removeHandler(caplog.handler)
    assert cfg.stale_after_notes == 50
    assert "stale_after" in caplog.text and "[extra]" in caplog.text


def test_find_vault_root(tmp_path: Path) -> None:
    write(tmp_path / "vault" / "tagger.toml", "")
    note = write(tmp_path / "vault" / "2024" / "a.md", "x")
    assert find_vault_root(note) == (tmp_path / "vault").resolve()
    assert find_vault_root(note.parent) == (tmp_path / "vault").resolve()
    (tmp_path / "vault" / "2024" / ".git").mkdir()
    assert find_vault_root(note) == (tmp_path / "vault" / "2024").resolve()


@pytest.mark.parametrize(
    ("path", "include", "exclude", "expected"),
    [
        ("a.md", ["**/*.md"], [], True),
        ("2024/x/a.md", ["**/*.md"], [], True),
        ("2024/a.txt", ["**/*.md"], [], False),
        ("2024/a.md", ["*.md"], [], True),
        ("2024/a.md", ["2024/*.md"], [], True),
        ("2024/x/a.md", ["2024/*.md"], [], False),
        ("2024/a.md", ["**/*.md"], ["2024/"], False),
        ("2025/a.md", ["**/*.md"], ["2024/"], True),
        ("t/a.md", ["**/*.md"], ["/t/*.md"], False),
        ("x/t/a.md", ["**/*.md"], ["/t/*.md"], True),
        ("2024/240828 a.md", ["**/24[0-9]*.md"], [], True),
        ("2024/230828 a.md", ["**/24[0-9]*.md"], [], False),
        ("2024/a.md", ["**/?.md"], [], True),
    ],
)
def test_globs(path: str, include: list[str], exclude: list[str], expected: bool) -> None:
    assert path_matches(path, include, exclude) is expected
