"""The read side: everything here is derived from the journal, never stored beside it.

Each report is a module returning data (rows and totals as frozen dataclasses); rendering to a
table, CSV, JSON or XLSX is separate (``reports.render``).
"""
