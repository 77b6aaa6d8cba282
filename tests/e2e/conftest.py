"""Browser tests run only under `make e2e` (which sets LPF_E2E=1 after installing chromium), never in
`make test`: they need a browser the unit-test machine may not have."""

from __future__ import annotations

import os

collect_ignore_glob = [] if os.environ.get("LPF_E2E") == "1" else ["test_*.py"]
