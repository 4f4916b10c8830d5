-- Revision 0012 down, SQLite: the occurrence guard goes with its column.

-- statement
DROP TRIGGER trg_bank_statement_lines_occurrence;
