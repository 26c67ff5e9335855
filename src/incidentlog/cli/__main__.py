"""``python -m incidentlog.cli``."""

import sys

from incidentlog.cli import main

sys.exit(main())
