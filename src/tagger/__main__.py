"""`python -m tagger`: the same as the `tagger` command."""

import sys

from tagger.cli.main import main

__all__: list[str] = []

sys.exit(main())
