-- Revision 0016 down, SQLite: drop its text-length triggers.

-- statement
DROP TRIGGER trg_accounts_text_length2_insert;

-- statement
DROP TRIGGER trg_accounts_text_length2_update;

-- statement
DROP TRIGGER trg_audit_events_text_length2_insert;

-- statement
DROP TRIGGER trg_audit_events_text_length2_update;

-- statement
DROP TRIGGER trg_bank_imports_text_length2_insert;

-- statement
DROP TRIGGER trg_bank_imports_text_length2_update;

-- statement
DROP TRIGGER trg_bank_line_vouchers_text_length2_insert;

-- statement
DROP TRIGGER trg_bank_line_vouchers_text_length2_update;

-- statement
DROP TRIGGER trg_bank_statement_lines_text_length2_insert;

-- statement
DROP TRIGGER trg_bank_statement_lines_text_length2_update;

-- statement
DROP TRIGGER trg_entities_text_length2_insert;

-- statement
DROP TRIGGER trg_entities_text_length2_update;

-- statement
DROP TRIGGER trg_fund_inputs_text_length2_insert;

-- statement
DROP TRIGGER trg_fund_inputs_text_length2_update;

-- statement
DROP TRIGGER trg_ledgers_text_length2_insert;

-- statement
DROP TRIGGER trg_ledgers_text_length2_update;

-- statement
DROP TRIGGER trg_periods_text_length2_insert;

-- statement
DROP TRIGGER trg_periods_text_length2_update;

-- statement
DROP TRIGGER trg_voucher_reviews_text_length2_insert;

-- statement
DROP TRIGGER trg_voucher_reviews_text_length2_update;

-- statement
DROP TRIGGER trg_voucher_withdrawals_text_length2_insert;

-- statement
DROP TRIGGER trg_voucher_withdrawals_text_length2_update;

-- statement
DROP TRIGGER trg_vouchers_text_length2_insert;

-- statement
DROP TRIGGER trg_vouchers_text_length2_update;

-- statement
DROP TRIGGER trg_web_users_text_length2_insert;

-- statement
DROP TRIGGER trg_web_users_text_length2_update;
