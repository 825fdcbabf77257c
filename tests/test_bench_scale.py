"""``bench/scale.py``'s command line: counts must be whole numbers of at least 1.

Only the argument parsing is exercised: argparse refuses before any database is named or touched.
"""

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "scale.py"


@pytest.mark.parametrize("arguments", [["--load", "0"], ["--load", "-5"], ["--repeat", "0"], ["--times", "x"]])
def test_a_count_below_one_is_refused_with_a_message(arguments):
    # --load 0 used to measure whatever the database held, and --load -5 ended in an IndexError
    # after dropping and recreating the database.
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--database-url", "postgres://nobody@127.0.0.1:1/none", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 2
    assert f"argument {arguments[0]}: give a whole number of at least 1" in done.stderr
