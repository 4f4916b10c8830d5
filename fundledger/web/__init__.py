"""The web workspace (``fundledger serve``): the books in the browser for clerks, reviewers,
directors and auditors, on the same public functions as the CLI. See ``docs/web.md``."""

from fundledger.web.app import create_app, database_identity

__all__ = ["create_app", "database_identity"]
