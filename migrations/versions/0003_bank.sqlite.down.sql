-- Revision 0003 down, SQLite.

-- statement
DROP TRIGGER IF EXISTS trg_bank_statement_lines_no_update;
-- statement
DROP TRIGGER IF EXISTS trg_bank_statement_lines_no_delete;
-- statement
DROP TRIGGER IF EXISTS trg_bank_imports_no_update;
-- statement
DROP TRIGGER IF EXISTS trg_bank_imports_no_delete;
