-- Revision 0016 down, PostgreSQL: drop the TEXT-column limits.

-- statement
ALTER TABLE audit_events DROP CONSTRAINT ck_audit_events_detail_length;

-- statement
ALTER TABLE bank_statement_lines DROP CONSTRAINT ck_bank_statement_lines_purpose_length;

-- statement
ALTER TABLE periods DROP CONSTRAINT ck_periods_reopen_reason_length;

-- statement
ALTER TABLE voucher_withdrawals DROP CONSTRAINT ck_voucher_withdrawals_reason_length;
