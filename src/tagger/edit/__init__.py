"""Changing notes' tags safely: decide (`plan`, `check`), write with an undo log (`apply`, `journal`), undo.

Every path that rewrites a note — `tagger retag`, `tagger-fix`, the review page —
goes through `plan.propose_change` and `apply.write_change`.
"""

__all__: list[str] = []
