-- Revision 0011, SQLite: drop the text-length triggers.

-- statement
DROP TRIGGER trg_entities_text_length_insert;

-- statement
DROP TRIGGER trg_entities_text_length_update;

-- statement
DROP TRIGGER trg_ledgers_text_length_insert;

-- statement
DROP TRIGGER trg_ledgers_text_length_update;

-- statement
DROP TRIGGER trg_accounts_text_length_insert;

-- statement
DROP TRIGGER trg_accounts_text_length_update;

-- statement
DROP TRIGGER trg_vouchers_text_length_insert;

-- statement
DROP TRIGGER trg_vouchers_text_length_update;

-- statement
DROP TRIGGER trg_postings_text_length_insert;

-- statement
DROP TRIGGER trg_postings_text_length_update;

-- statement
DROP TRIGGER trg_bank_statement_lines_text_length_insert;

-- statement
DROP TRIGGER trg_bank_statement_lines_text_length_update;
