"""Alembic environment and versions; shipped inside the package so ``fundledger init`` works anywhere."""
