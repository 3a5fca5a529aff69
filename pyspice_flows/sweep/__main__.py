"""``python -m pyspice_flows.sweep``: runs :func:`pyspice_flows.sweep.cli.main`.

Nothing else lives here: whatever is defined in ``__main__`` is pickled by value when a
Dask task refers to it, so the task function stays in :mod:`pyspice_flows.sweep.worker`.
"""

import sys

from .cli import main

sys.exit(main())
