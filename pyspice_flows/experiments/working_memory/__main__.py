"""``python -m pyspice_flows.experiments.working_memory``: runs :func:`.protocols.main`."""

import sys

from .protocols import main

sys.exit(main())
