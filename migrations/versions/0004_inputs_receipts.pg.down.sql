-- Revision 0004 down, PostgreSQL.

-- statement
DROP TRIGGER IF EXISTS trg_bank_line_vouchers_no_change ON bank_line_vouchers;
-- statement
DROP TRIGGER IF EXISTS trg_bank_line_vouchers_no_truncate ON bank_line_vouchers;
