"""``python -m qchemflow``."""

import sys

from qchemflow.pipeline.cli import main

sys.exit(main())
