"""What tagger computes about a vault and a model, as records: metrics, evaluation over time,
review of existing tags, explanations, the vocabulary and likely aliases.

Nothing here prints; `tagger.cli.render` turns these records into text and JSON.
"""

__all__: list[str] = []
