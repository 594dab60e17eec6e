"""The vault's settings: `tagger.toml` at the vault root, and alias files.

One small TOML file, read with the standard library, configures everything a
vault may want to change::

    [aliases]                       # tag -> canonical tag
    lm = "llm"
    efficient_training = "efficient-training"
    [model]
    path = ".tagger/tagger.model"   # relative to the vault root (this is the default)
    [hook]
    on_missing_model = "fail"       # or "warn"
    stale_after_notes = 50
    include = ["**/*.md"]
    exclude = []

An alias file given with `--aliases FILE` is TOML too: either an `[aliases]`
table or bare `tag = "canonical"` lines; its entries override the vault's.

>>> cfg = load_config(None)
>>> cfg.on_missing_model, cfg.stale_after_notes, cfg.include
('fail', 50, ('**/*.md',))
"""

from __future__ import annotations

import functools
import logging
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from tagger.errors import InputError
from tagger.spelling import AliasTable, invalid_tag_reason, merge_aliases, resolve_aliases

log = logging.getLogger("tagger")

CONFIG_NAME = "tagger.toml"
DEFAULT_INCLUDE = ("**/*.md",)
_SECTIONS = {
    "aliases": None,
    "model": {"path"},
    "hook": {"on_missing_model", "stale_after_notes", "include", "exclude"},
}


@dataclass(frozen=True)
class Config:
    """A vault's settings, with defaults for everything the file leaves out.

    `aliases` maps a tag (any spelling) to its canonical tag, chains already
    resolved (`a → b`, `b → c` becomes `a → c`, `b → c`), so one pass through
    `canonical` is enough.

    >>> Config(aliases={"lm": "llm"}).alias_table.target("LM")
    'llm'
    """

    aliases: dict[str, str] = field(default_factory=dict)
    model_path: Path | None = None
    on_missing_model: str = "fail"
    stale_after_notes: int = 50
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = ()
    #: The file(s) the settings came from, for messages.
    sources: tuple[Path, ...] = ()

    @functools.cached_property
    def alias_table(self) -> AliasTable:
        """`aliases` folded once, for mapping tags through them."""
        return AliasTable(self.aliases)

    def matches(self, rel: str | PurePosixPath) -> bool:
        """Whether a vault-relative path is a note by `include` / `exclude`.

        >>> Config(exclude=("templates/**",)).matches("2024/240828 Mamba.md")
        True
        >>> Config(exclude=("templates/**",)).matches("templates/paper.md")
        False
        """
        return path_matches(rel, self.include, self.exclude)


def find_vault_root(path: Path | str) -> Path | None:
    """The nearest folder at or above `path` holding `tagger.toml`, `.git` or tagger's own `.tagger` folder.

    The first folder (walking up) that has any of them is the root. `.tagger` counts
    because `tagger train VAULT` makes it: a vault that is no git repository is then
    found from any of its notes, and so is its model.

    >>> find_vault_root("vault/2025/250520 Some Paper.md")   # doctest: +SKIP
    PosixPath('/home/me/vault')
    """
    p = Path(path).resolve()
    if not p.is_dir():
        p = p.parent
    for folder in (p, *p.parents):
        if (folder / CONFIG_NAME).is_file() or (folder / ".git").exists() or (folder / TOOL_DIR).is_dir():
            return folder
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot be read: {err.strerror}", path=path) from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError("is not UTF-8", path=path) from None
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"is not valid TOML: {err}", path=path) from None


def _alias_table(raw: Any, path: Path) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        raise InputError("[aliases] must be a table of tag = \"canonical-tag\" lines", path=path)
    out: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(value, str):
            raise InputError(f"alias {key!r} must map to a tag in quotes, got {value!r}", path=path)
        src, dst = str(key).lstrip("#"), value.strip().lstrip("#")
        for tag in (src, dst):
            if (why := invalid_tag_reason(tag)) is not None:
                raise InputError(f"alias {key!r} = {value!r}: {why}", path=path)
        out[src] = dst
    return out


def load_aliases(path: Path | str) -> dict[str, str]:
    """Aliases from a TOML file: an `[aliases]` table, or bare `tag = "canonical"` lines.

    The file `--aliases FILE` names; it adds to (and overrides) the vault's own table.

    >>> load_aliases("aliases.toml")   # doctest: +SKIP
    {'lm': 'llm'}
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("does not exist" if not path.exists() else "is not a file", path=path)
    data = _read_toml(path)
    table = data["aliases"] if "aliases" in data else {k: v for k, v in data.items() if not isinstance(v, Mapping)}
    return _alias_table(table, path)


def _patterns(value: Any, key: str, path: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"[hook] {key} must be a list of glob patterns", path=path)
    return tuple(value)


#: tagger's own folder in a vault: the model, undo logs, locks; kept out of git (`tool_dir`).
TOOL_DIR = ".tagger"
#: Where a vault's model is when nothing else says, relative to the vault root.
DEFAULT_MODEL = Path(TOOL_DIR) / "tagger.model"
#: The environment variable naming a model file.
ENV_VAR = "TAGGER_MODEL"
#: What `tool_dir` writes into `.tagger/.gitignore`: the folder is this machine's, not the vault's history.
TOOL_GITIGNORE = """\
# Written by tagger. Nothing in this folder is committed: the model is rebuilt from the
# notes with `tagger train`, and undo logs and locks belong to this machine. To commit the
# model anyway, add a line `!tagger.model` (with your model's file name) below.
*
"""


def tool_dir(vault: Path | str, *, create: bool = False) -> Path:
    """`VAULT/.tagger`, tagger's own folder; with `create`, made (if need be) with a `.gitignore` keeping it out of git.

    An existing `.gitignore` is left as the author wrote it.

    >>> tool_dir("vault").as_posix()
    'vault/.tagger'
    """
    folder = Path(vault) / TOOL_DIR
    if create:
        a_file = InputError("is a file, not a folder; tagger keeps its model, undo logs and locks there: move it away", path=folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise a_file from None
        except OSError as err:
            raise InputError(f"cannot be created: {err.strerror}", path=folder) from None
        if not folder.is_dir():
            raise a_file
        try:
            with open(folder / ".gitignore", "x", encoding="utf-8") as fh:
                fh.write(TOOL_GITIGNORE)
        except FileExistsError:
            pass
        except OSError as err:
            raise InputError(f"cannot be written: {err.strerror}", path=folder / ".gitignore") from None
    return folder


def resolve_model_path(
    path: str | os.PathLike[str] | None = None, *, vault: Path | None = None, config: Config | None = None
) -> Path:
    """Where the model is: `path`, else `$TAGGER_MODEL`, else the vault's `[model] path`, else `VAULT/.tagger/tagger.model`.

    Without `vault` or `config`, the vault is the current folder's (`find_vault_root`),
    else the current folder. Standard library only, so the hook can tell whether a
    model exists before it pays for numpy; pass the `config` already loaded to avoid
    reading it again.

    >>> str(resolve_model_path("m.model")), resolve_model_path(vault=Path("vault"), config=Config()).as_posix()
    ('m.model', 'vault/.tagger/tagger.model')
    """
    if path:
        return Path(path)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    if vault is None and config is None:
        vault = find_vault_root(Path.cwd())
    if config is None and vault is not None:
        config = load_config(vault)
    if config is not None and config.model_path is not None:
        return config.model_path
    return (vault if vault is not None else Path()) / DEFAULT_MODEL


def load_config(vault: Path | str | None, *, aliases_file: Path | str | None = None) -> Config:
    """The settings of `vault` (its `tagger.toml`, if any), plus `aliases_file`.

    Missing file or sections: defaults. A malformed file is an `InputError`
    naming it; unknown keys are warned about (a typo should not pass silently).

    >>> c = load_config(None)
    >>> c.include, c.on_missing_model, c.aliases
    (('**/*.md',), 'fail', {})
    """
    aliases: dict[str, str] = {}
    values: dict[str, Any] = {}
    sources: list[Path] = []
    root = Path(vault) if vault is not None else None
    cfg_path = root / CONFIG_NAME if root is not None else None
    if cfg_path is not None and cfg_path.is_file():
        sources.append(cfg_path)
        data = _read_toml(cfg_path)
        for section, value in data.items():
            if section not in _SECTIONS:
                log.warning("%s: unknown section [%s] ignored", cfg_path, section)
                continue
            known = _SECTIONS[section]
            if known is None:
                aliases = merge_aliases(aliases, _alias_table(value, cfg_path))
                continue
            if not isinstance(value, Mapping):
                raise InputError(f"[{section}] must be a table", path=cfg_path)
            for key, v in value.items():
                if key not in known:
                    log.warning("%s: unknown key %r in [%s] ignored", cfg_path, key, section)
                    continue
                values[f"{section}.{key}"] = v
    where = cfg_path or Path(CONFIG_NAME)

    model_path: Path | None = None
    if "model.path" in values:
        v = values["model.path"]
        if not isinstance(v, str) or not v.strip():
            raise InputError("[model] path must be a file path in quotes", path=where)
        p = Path(v).expanduser()
        model_path = p if p.is_absolute() or root is None else root / p

    on_missing = values.get("hook.on_missing_model", "fail")
    if on_missing not in ("fail", "warn"):
        raise InputError(f"[hook] on_missing_model must be \"fail\" or \"warn\", got {on_missing!r}", path=where)
    stale = values.get("hook.stale_after_notes", 50)
    if isinstance(stale, bool) or not isinstance(stale, int) or stale < 0:
        raise InputError(f"[hook] stale_after_notes must be a whole number ≥ 0, got {stale!r}", path=where)
    include = _patterns(values.get("hook.include", list(DEFAULT_INCLUDE)), "include", where)
    exclude = _patterns(values.get("hook.exclude", []), "exclude", where)

    if aliases_file is not None:
        sources.append(Path(aliases_file))
        aliases = merge_aliases(aliases, load_aliases(aliases_file))
    aliases = resolve_aliases(aliases, path=sources[-1] if sources else None)
    return Config(
        aliases=aliases,
        model_path=model_path,
        on_missing_model=str(on_missing),
        stale_after_notes=int(stale),
        include=include,
        exclude=exclude,
        sources=tuple(sources),
    )


# ---- globs ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A compiled regex for a gitignore-style glob over `/`-separated paths.

    `*` and `?` stay inside one folder, `**` spans folders (`**/` may match
    none), `[...]` is a character class. A pattern without `/` matches the file
    name at any depth, as in `.gitignore`.

    >>> bool(glob_regex("**/*.md").match("240828 Mamba.md")), bool(glob_regex("*.md").match("2024/a.md"))
    (True, True)
    >>> bool(glob_regex("2024/*.md").match("2024/sub/a.md"))
    False
    """
    pat = pattern.strip().lstrip("/") if pattern.strip().startswith("/") else pattern.strip()
    if "/" not in pattern.strip().rstrip("/"):
        pat = "**/" + pat
    if pat.endswith("/"):
        pat += "**"
    out: list[str] = []
    i = 0
    while i < len(pat):
        c = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            j = pat.find("]", i + 2 if pat[i + 1 : i + 2] in ("!", "]") else i + 1)
            if j < 0:
                out.append(re.escape(c))
                i += 1
            else:
                body = pat[i + 1 : j]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out) + r"\Z")


def path_matches(rel: str | PurePosixPath | Path, include: Iterable[str], exclude: Iterable[str] = ()) -> bool:
    """Whether vault-relative `rel` matches some `include` glob and no `exclude` glob.

    >>> path_matches("2024/a.md", ["**/*.md"], ["2024/**"])
    False
    """
    s = PurePosixPath(rel).as_posix() if not isinstance(rel, str) else rel.replace("\\", "/")
    s = s.removeprefix("./")
    if not any(glob_regex(p).match(s) for p in include):
        return False
    return not any(glob_regex(p).match(s) for p in exclude)


__all__ = [
    "CONFIG_NAME",
    "DEFAULT_INCLUDE",
    "DEFAULT_MODEL",
    "ENV_VAR",
    "TOOL_DIR",
    "Config",
    "find_vault_root",
    "glob_regex",
    "load_aliases",
    "load_config",
    "path_matches",
    "resolve_model_path",
    "tool_dir",
]
