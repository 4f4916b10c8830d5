-- Revision 0003, PostgreSQL: imported bank statements and their lines are never changed or
-- truncated (fl_refuse of revision 0001).

-- statement
CREATE TRIGGER trg_bank_statement_lines_no_change BEFORE UPDATE OR DELETE ON bank_statement_lines FOR EACH ROW EXECUTE FUNCTION fl_refuse('immutable_statement', 'imported bank statements are never changed');
-- statement
CREATE TRIGGER trg_bank_statement_lines_no_truncate BEFORE TRUNCATE ON bank_statement_lines FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_statement', 'imported bank statements are never deleted');
-- statement
CREATE TRIGGER trg_bank_imports_no_change BEFORE UPDATE OR DELETE ON bank_imports FOR EACH ROW EXECUTE FUNCTION fl_refuse('immutable_statement', 'imported bank statements are never changed');
-- statement
CREATE TRIGGER trg_bank_imports_no_truncate BEFORE TRUNCATE ON bank_imports FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_statement', 'imported bank statements are never deleted');
