"""``python -m qchemflow``."""

import sys

from qchemflow.cli import main

sys.exit(main())
