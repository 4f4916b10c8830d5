-- Revision 0015, PostgreSQL, downgrade: the receipt guards go before the table.

-- statement
DROP TRIGGER IF EXISTS trg_bank_receipts_line ON bank_receipts;
-- statement
DROP FUNCTION IF EXISTS fl_bank_receipt_line();
-- statement
DROP TRIGGER IF EXISTS trg_bank_receipts_no_truncate ON bank_receipts;
-- statement
DROP TRIGGER IF EXISTS trg_bank_receipts_no_change ON bank_receipts;
