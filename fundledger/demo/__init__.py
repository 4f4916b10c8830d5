"""The demo: a province, a city and six counties with a year of books (``fundledger demo``).

Kept apart from the library: it is an example that drives the public API, not part of it.
"""
