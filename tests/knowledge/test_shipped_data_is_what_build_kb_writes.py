"""The generated data files are exactly what tools/build_kb.py writes from its inputs, all in
the checkout: a fact typed into torch.yaml by hand (bypassing tools/kb_overlay.py and its source)
fails here."""
from __future__ import annotations

import subprocess
import sys

import pytest

from clihelp import REPO

COPY = REPO / "tools" / "recorded" / "reference" / "compat-facts.yaml"
SHARED = REPO.parent / "shared" / "reference" / "compat-facts.yaml"


def test_shipped_data_files_are_what_the_generator_writes():
    done = subprocess.run([sys.executable, str(REPO / "tools" / "build_kb.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""          # --check writes nothing and prints nothing when in sync


@pytest.mark.skipif(not SHARED.is_file(), reason=f"no shared reference beside this checkout ({SHARED})")
def test_the_reference_copy_is_the_shared_one():
    assert COPY.read_bytes() == SHARED.read_bytes(), (
        f"{SHARED} changed: copy it to {COPY}, then run tools/build_kb.py")
