"""The ``fundledger`` command line: parse arguments, call one public function, render.

``fundledger.cli.app`` holds the root command and its shared options; ``fundledger.cli.registry``
lists every command group.
"""

from fundledger.cli.app import app, main, run

__all__ = ["app", "main", "run"]
