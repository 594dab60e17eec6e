"""One module per `tagger` subcommand: `add_arguments(parser)` and `run(args) -> int`."""

# The subcommand modules are imported on demand by tagger.cli, never from here.
__all__: list[str] = []
