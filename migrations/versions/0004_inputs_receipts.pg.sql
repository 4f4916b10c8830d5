-- Revision 0004, PostgreSQL: links from statement lines to vouchers are never changed or
-- truncated (fl_refuse of revision 0001).

-- statement
CREATE TRIGGER trg_bank_line_vouchers_no_change BEFORE UPDATE OR DELETE ON bank_line_vouchers FOR EACH ROW EXECUTE FUNCTION fl_refuse('immutable_statement', 'links from statement lines to vouchers are never changed');
-- statement
CREATE TRIGGER trg_bank_line_vouchers_no_truncate BEFORE TRUNCATE ON bank_line_vouchers FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_statement', 'links from statement lines to vouchers are never deleted');
