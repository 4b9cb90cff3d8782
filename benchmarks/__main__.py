"""`python -m benchmarks`: run every benchmark and write docs/benchmarks.md."""

import sys

from benchmarks.run import main

sys.exit(main())
