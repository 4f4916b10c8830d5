"""PostgreSQL guards that check a whole INSERT at once and advance the chain head once per statement.

PostgreSQL only (see ``migrations/guards_0005.py`` for why); on SQLite this revision changes nothing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 17:40:00.000000
"""
from __future__ import annotations

from migrations.guards_0005 import downgrade as _downgrade
from migrations.guards_0005 import upgrade as _upgrade

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    _upgrade()


def downgrade() -> None:
    _downgrade()
