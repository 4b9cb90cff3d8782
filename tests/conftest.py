"""Test-wide settings: hypothesis runs with a fixed seed, so a failure found once is found every time.

`HYPOTHESIS_PROFILE=explore` draws fresh random examples instead (for hunting new failures locally).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("explore", deadline=None, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
