"""The plugin's handler suite, collected here so that `pytest suites` (and `make test`) runs it.

Without ``--lpf-handler``: the bundled example handlers, against their snapshots in suites/snapshots/.
The tests themselves live in the package (``lpf_contract/suites/test_handler.py``): the same module
the installed plugin adds for ``pytest --lpf-handler functions/x`` in any repository.
"""

from lpf_contract.suites.test_handler import *  # noqa: F401,F403
from lpf_contract.suites.test_handler import pytest_generate_tests  # noqa: F401
