-- Revision 0003 down, PostgreSQL.

-- statement
DROP TRIGGER IF EXISTS trg_bank_statement_lines_no_change ON bank_statement_lines;
-- statement
DROP TRIGGER IF EXISTS trg_bank_statement_lines_no_truncate ON bank_statement_lines;
-- statement
DROP TRIGGER IF EXISTS trg_bank_imports_no_change ON bank_imports;
-- statement
DROP TRIGGER IF EXISTS trg_bank_imports_no_truncate ON bank_imports;
