"""Notes on disk and in memory: where the tags are (`layout`), reading (`parse`, `files`, `read`,
`vault`, `tables`) and writing (`write`: only the tag line changes; `files.write_atomic`).

Standard library only, so the pre-commit hook reads notes without loading numpy.
"""

__all__: list[str] = []
