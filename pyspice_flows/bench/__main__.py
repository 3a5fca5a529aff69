"""``python -m pyspice_flows.bench``: runs :func:`.cli.main`."""

import sys

from .cli import main

sys.exit(main())
