"""``bench/scale.py``: counts on its command line must be whole numbers of at least 1, and the
model's extrapolations.

The command line is exercised through argparse, which refuses before any database is named or
touched; the model's functions are pure arithmetic.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from bench.scale import by_last_step, fit, linear

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


def test_a_last_step_steeper_than_the_fit_is_extrapolated_with_its_own_exponent():
    # Flat from 1 to 10, then 100× from 10 to 100 (what a cost that stops fitting in memory does):
    # the fit over every size and the straight line both stay below the last step's growth.
    points = [(1, 1.0), (10, 1.0), (100, 100.0)]
    a, b = fit(points)

    assert by_last_step(points, 1000) == pytest.approx(10_000.0)
    assert a * 1000**b < by_last_step(points, 1000)
    assert linear(points, 1000) == pytest.approx(1090.0)  # 100 + 99/90 · 900
