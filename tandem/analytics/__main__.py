"""``python -m tandem.analytics``: see :mod:`tandem.analytics.cli`."""

import sys

from tandem.analytics.cli import main

sys.exit(main())
