"""``python -m area_energy.report``: runs :func:`.build.main`."""

import sys

from .build import main

sys.exit(main())
