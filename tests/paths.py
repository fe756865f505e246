"""Paths the tests share: the checkout, the bundled sample and the hand-written fixtures."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"  # the bundled sample releases
FIXTURES = ROOT / "tests" / "fixtures"
