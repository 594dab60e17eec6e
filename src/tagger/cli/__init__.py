"""The edges: the `tagger` command (`main`), its subcommands (`commands/`), the pre-commit hook
(`hook`), shared options (`options`), rendering (`render`) and exit codes (`status`).
"""

__all__: list[str] = []
