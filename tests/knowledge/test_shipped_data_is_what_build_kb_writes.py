"""The generated data files are exactly what tools/build_kb.py writes from its inputs: a fact
typed into torch.yaml by hand (bypassing tools/kb_overlay.py and its source) fails here."""
from __future__ import annotations

import subprocess
import sys

import pytest

from clihelp import REPO

REFERENCE = REPO.parent / "shared" / "reference" / "compat-facts.yaml"


@pytest.mark.skipif(not REFERENCE.is_file(),
                    reason=f"the shared reference compilation is not beside this checkout ({REFERENCE})")
def test_shipped_data_files_are_what_the_generator_writes():
    done = subprocess.run([sys.executable, str(REPO / "tools" / "build_kb.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""          # --check writes nothing and prints nothing when in sync
