"""``web_users``: the people of the web workspace, their roles and argon2 password hashes.

The guard SQL frozen beside this file (``0013_web_users.sqlite.sql``, ``0013_web_users.pg.sql`` and
their ``.down.sql``) refuses to rename or delete a user: usernames are what the vouchers, reviews
and audit events record as who did what, so a user is locked, never removed.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 12:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from migrations import revision_sql

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_users',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('display_name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False),
    sa.Column('locked', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('db_role', sa.String(length=63), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(trim(username)) > 0', name=op.f('ck_web_users_username')),
    sa.CheckConstraint("role IN ('maker', 'checker', 'bookkeeper', 'director', 'auditor', 'admin')",
                       name=op.f('ck_web_users_role')),
    sa.CheckConstraint('failed_logins >= 0', name=op.f('ck_web_users_failed_logins')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_users')),
    sa.UniqueConstraint('username', name=op.f('uq_web_users_username'))
    )
    revision_sql.run(__file__, "up")


def downgrade() -> None:
    revision_sql.run(__file__, "down")
    op.drop_table('web_users')
