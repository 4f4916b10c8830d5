-- Revision 0004 down, SQLite.

-- statement
DROP TRIGGER IF EXISTS trg_bank_line_vouchers_no_update;
-- statement
DROP TRIGGER IF EXISTS trg_bank_line_vouchers_no_delete;
