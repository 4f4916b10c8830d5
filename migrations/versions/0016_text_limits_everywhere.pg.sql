-- Revision 0016, PostgreSQL: the named limits of the TEXT columns that hold people's words
-- (ledger.limits); every other text column is VARCHAR(n) already.

-- statement
ALTER TABLE audit_events ADD CONSTRAINT ck_audit_events_detail_length CHECK (char_length(detail) <= 20000);

-- statement
ALTER TABLE bank_statement_lines ADD CONSTRAINT ck_bank_statement_lines_purpose_length CHECK (char_length(purpose) <= 1000);

-- statement
ALTER TABLE periods ADD CONSTRAINT ck_periods_reopen_reason_length CHECK (char_length(reopen_reason) <= 500);

-- statement
ALTER TABLE voucher_withdrawals ADD CONSTRAINT ck_voucher_withdrawals_reason_length CHECK (char_length(reason) <= 500);
