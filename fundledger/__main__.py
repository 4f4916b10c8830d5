"""``python -m fundledger``: the command line."""

from fundledger.cli import run

run()
