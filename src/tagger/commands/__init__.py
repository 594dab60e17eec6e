"""One module per `tagger` subcommand: `add_arguments(parser)` and `run(args) -> int`."""
