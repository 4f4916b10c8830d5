-- Revision 0016, SQLite: the declared length of every VARCHAR column revision 0011 left out, and the
-- named limits of the TEXT columns that hold people's words (ledger.limits), refused as on PostgreSQL.

-- statement
CREATE TRIGGER trg_accounts_text_length2_insert BEFORE INSERT ON accounts
    WHEN length(NEW.bank_kind) > 16
        OR length(NEW.category) > 16
        OR length(NEW.fund_part) > 16
        OR length(NEW.normal_side) > 8
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: accounts (bank_kind 16, category 16, fund_part 16, normal_side 8 characters at most)'); END;

-- statement
CREATE TRIGGER trg_accounts_text_length2_update BEFORE UPDATE OF bank_kind, category, fund_part, normal_side ON accounts
    WHEN length(NEW.bank_kind) > 16
        OR length(NEW.category) > 16
        OR length(NEW.fund_part) > 16
        OR length(NEW.normal_side) > 8
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: accounts (bank_kind 16, category 16, fund_part 16, normal_side 8 characters at most)'); END;

-- statement
CREATE TRIGGER trg_audit_events_text_length2_insert BEFORE INSERT ON audit_events
    WHEN length(NEW.action) > 64
        OR length(NEW.actor) > 100
        OR length(NEW.detail) > 20000
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: audit_events (action 64, actor 100, detail 20000 characters at most)'); END;

-- statement
CREATE TRIGGER trg_audit_events_text_length2_update BEFORE UPDATE OF action, actor, detail ON audit_events
    WHEN length(NEW.action) > 64
        OR length(NEW.actor) > 100
        OR length(NEW.detail) > 20000
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: audit_events (action 64, actor 100, detail 20000 characters at most)'); END;

-- statement
CREATE TRIGGER trg_bank_imports_text_length2_insert BEFORE INSERT ON bank_imports
    WHEN length(NEW.file_name) > 255
        OR length(NEW.imported_by) > 100
        OR length(NEW.profile) > 64
        OR length(NEW.sha256) > 64
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: bank_imports (file_name 255, imported_by 100, profile 64, sha256 64 characters at most)'); END;

-- statement
CREATE TRIGGER trg_bank_imports_text_length2_update BEFORE UPDATE OF file_name, imported_by, profile, sha256 ON bank_imports
    WHEN length(NEW.file_name) > 255
        OR length(NEW.imported_by) > 100
        OR length(NEW.profile) > 64
        OR length(NEW.sha256) > 64
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: bank_imports (file_name 255, imported_by 100, profile 64, sha256 64 characters at most)'); END;

-- statement
CREATE TRIGGER trg_bank_line_vouchers_text_length2_insert BEFORE INSERT ON bank_line_vouchers
    WHEN length(NEW.created_by) > 100
        OR length(NEW.rule) > 64
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: bank_line_vouchers (created_by 100, rule 64 characters at most)'); END;

-- statement
CREATE TRIGGER trg_bank_line_vouchers_text_length2_update BEFORE UPDATE OF created_by, rule ON bank_line_vouchers
    WHEN length(NEW.created_by) > 100
        OR length(NEW.rule) > 64
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: bank_line_vouchers (created_by 100, rule 64 characters at most)'); END;

-- statement
CREATE TRIGGER trg_bank_statement_lines_text_length2_insert BEFORE INSERT ON bank_statement_lines
    WHEN length(NEW.counterparty_bank) > 200
        OR length(NEW.voucher_no) > 64
        OR length(NEW.purpose) > 1000
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: bank_statement_lines (counterparty_bank 200, voucher_no 64, purpose 1000 characters at most)'); END;

-- statement
CREATE TRIGGER trg_bank_statement_lines_text_length2_update BEFORE UPDATE OF counterparty_bank, voucher_no, purpose ON bank_statement_lines
    WHEN length(NEW.counterparty_bank) > 200
        OR length(NEW.voucher_no) > 64
        OR length(NEW.purpose) > 1000
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: bank_statement_lines (counterparty_bank 200, voucher_no 64, purpose 1000 characters at most)'); END;

-- statement
CREATE TRIGGER trg_entities_text_length2_insert BEFORE INSERT ON entities
    WHEN length(NEW.allocation_route) > 1
        OR length(NEW.level) > 16
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: entities (allocation_route 1, level 16 characters at most)'); END;

-- statement
CREATE TRIGGER trg_entities_text_length2_update BEFORE UPDATE OF allocation_route, level ON entities
    WHEN length(NEW.allocation_route) > 1
        OR length(NEW.level) > 16
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: entities (allocation_route 1, level 16 characters at most)'); END;

-- statement
CREATE TRIGGER trg_fund_inputs_text_length2_insert BEFORE INSERT ON fund_inputs
    WHEN length(NEW.kind) > 32
        OR length(NEW.line) > 100
        OR length(NEW.recorded_by) > 100
        OR length(NEW.source) > 255
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: fund_inputs (kind 32, line 100, recorded_by 100, source 255 characters at most)'); END;

-- statement
CREATE TRIGGER trg_fund_inputs_text_length2_update BEFORE UPDATE OF kind, line, recorded_by, source ON fund_inputs
    WHEN length(NEW.kind) > 32
        OR length(NEW.line) > 100
        OR length(NEW.recorded_by) > 100
        OR length(NEW.source) > 255
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: fund_inputs (kind 32, line 100, recorded_by 100, source 255 characters at most)'); END;

-- statement
CREATE TRIGGER trg_ledgers_text_length2_insert BEFORE INSERT ON ledgers
    WHEN length(NEW.fund) > 16
        OR length(NEW.head_hash) > 64
        OR length(NEW.voucher_words) > 8
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: ledgers (fund 16, head_hash 64, voucher_words 8 characters at most)'); END;

-- statement
CREATE TRIGGER trg_ledgers_text_length2_update BEFORE UPDATE OF fund, head_hash, voucher_words ON ledgers
    WHEN length(NEW.fund) > 16
        OR length(NEW.head_hash) > 64
        OR length(NEW.voucher_words) > 8
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: ledgers (fund 16, head_hash 64, voucher_words 8 characters at most)'); END;

-- statement
CREATE TRIGGER trg_periods_text_length2_insert BEFORE INSERT ON periods
    WHEN length(NEW.closed_by) > 100
        OR length(NEW.reopened_by) > 100
        OR length(NEW.status) > 8
        OR length(NEW.reopen_reason) > 500
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: periods (closed_by 100, reopened_by 100, status 8, reopen_reason 500 characters at most)'); END;

-- statement
CREATE TRIGGER trg_periods_text_length2_update BEFORE UPDATE OF closed_by, reopened_by, status, reopen_reason ON periods
    WHEN length(NEW.closed_by) > 100
        OR length(NEW.reopened_by) > 100
        OR length(NEW.status) > 8
        OR length(NEW.reopen_reason) > 500
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: periods (closed_by 100, reopened_by 100, status 8, reopen_reason 500 characters at most)'); END;

-- statement
CREATE TRIGGER trg_voucher_reviews_text_length2_insert BEFORE INSERT ON voucher_reviews
    WHEN length(NEW.reviewer) > 100
        OR length(NEW.reviewer_auth) > 16
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: voucher_reviews (reviewer 100, reviewer_auth 16 characters at most)'); END;

-- statement
CREATE TRIGGER trg_voucher_reviews_text_length2_update BEFORE UPDATE OF reviewer, reviewer_auth ON voucher_reviews
    WHEN length(NEW.reviewer) > 100
        OR length(NEW.reviewer_auth) > 16
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: voucher_reviews (reviewer 100, reviewer_auth 16 characters at most)'); END;

-- statement
CREATE TRIGGER trg_voucher_withdrawals_text_length2_insert BEFORE INSERT ON voucher_withdrawals
    WHEN length(NEW.actor) > 100
        OR length(NEW.role) > 16
        OR length(NEW.reason) > 500
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: voucher_withdrawals (actor 100, role 16, reason 500 characters at most)'); END;

-- statement
CREATE TRIGGER trg_voucher_withdrawals_text_length2_update BEFORE UPDATE OF actor, role, reason ON voucher_withdrawals
    WHEN length(NEW.actor) > 100
        OR length(NEW.role) > 16
        OR length(NEW.reason) > 500
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: voucher_withdrawals (actor 100, role 16, reason 500 characters at most)'); END;

-- statement
CREATE TRIGGER trg_vouchers_text_length2_insert BEFORE INSERT ON vouchers
    WHEN length(NEW.content_hash) > 64
        OR length(NEW.fingerprint) > 64
        OR length(NEW.kind) > 16
        OR length(NEW.link_id) > 64
        OR length(NEW.preparer_auth) > 16
        OR length(NEW.prev_hash) > 64
        OR length(NEW.word) > 1
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: vouchers (content_hash 64, fingerprint 64, kind 16, link_id 64, preparer_auth 16, prev_hash 64, word 1 characters at most)'); END;

-- statement
CREATE TRIGGER trg_vouchers_text_length2_update BEFORE UPDATE OF content_hash, fingerprint, kind, link_id, preparer_auth, prev_hash, word ON vouchers
    WHEN length(NEW.content_hash) > 64
        OR length(NEW.fingerprint) > 64
        OR length(NEW.kind) > 16
        OR length(NEW.link_id) > 64
        OR length(NEW.preparer_auth) > 16
        OR length(NEW.prev_hash) > 64
        OR length(NEW.word) > 1
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: vouchers (content_hash 64, fingerprint 64, kind 16, link_id 64, preparer_auth 16, prev_hash 64, word 1 characters at most)'); END;

-- statement
CREATE TRIGGER trg_web_users_text_length2_insert BEFORE INSERT ON web_users
    WHEN length(NEW.db_role) > 63
        OR length(NEW.display_name) > 200
        OR length(NEW.password_hash) > 255
        OR length(NEW.role) > 16
        OR length(NEW.username) > 100
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: web_users (db_role 63, display_name 200, password_hash 255, role 16, username 100 characters at most)'); END;

-- statement
CREATE TRIGGER trg_web_users_text_length2_update BEFORE UPDATE OF db_role, display_name, password_hash, role, username ON web_users
    WHEN length(NEW.db_role) > 63
        OR length(NEW.display_name) > 200
        OR length(NEW.password_hash) > 255
        OR length(NEW.role) > 16
        OR length(NEW.username) > 100
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: web_users (db_role 63, display_name 200, password_hash 255, role 16, username 100 characters at most)'); END;
