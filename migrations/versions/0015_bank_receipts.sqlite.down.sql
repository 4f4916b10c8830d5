-- Revision 0015, SQLite, downgrade: the receipt guards go before the table.

-- statement
DROP TRIGGER IF EXISTS trg_bank_receipts_text_length_insert;
-- statement
DROP TRIGGER IF EXISTS trg_bank_receipts_line;
-- statement
DROP TRIGGER IF EXISTS trg_bank_receipts_no_delete;
-- statement
DROP TRIGGER IF EXISTS trg_bank_receipts_no_update;
