-- Revision 0011, SQLite: refuse text longer than its column's declared length (ledger.limits).

-- statement
CREATE TRIGGER trg_entities_text_length_insert BEFORE INSERT ON entities
    WHEN length(NEW.code) > 32
        OR length(NEW.name) > 200
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: entities (code 32, name 200 characters at most)'); END;

-- statement
CREATE TRIGGER trg_entities_text_length_update BEFORE UPDATE OF code, name ON entities
    WHEN length(NEW.code) > 32
        OR length(NEW.name) > 200
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: entities (code 32, name 200 characters at most)'); END;

-- statement
CREATE TRIGGER trg_ledgers_text_length_insert BEFORE INSERT ON ledgers
    WHEN length(NEW.code) > 32
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: ledgers (code 32 characters at most)'); END;

-- statement
CREATE TRIGGER trg_ledgers_text_length_update BEFORE UPDATE OF code ON ledgers
    WHEN length(NEW.code) > 32
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: ledgers (code 32 characters at most)'); END;

-- statement
CREATE TRIGGER trg_accounts_text_length_insert BEFORE INSERT ON accounts
    WHEN length(NEW.code) > 32
        OR length(NEW.name) > 200
        OR length(NEW.bank_name) > 200
        OR length(NEW.bank_number) > 64
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: accounts (code 32, name 200, bank_name 200, bank_number 64 characters at most)'); END;

-- statement
CREATE TRIGGER trg_accounts_text_length_update BEFORE UPDATE OF code, name, bank_name, bank_number ON accounts
    WHEN length(NEW.code) > 32
        OR length(NEW.name) > 200
        OR length(NEW.bank_name) > 200
        OR length(NEW.bank_number) > 64
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: accounts (code 32, name 200, bank_name 200, bank_number 64 characters at most)'); END;

-- statement
CREATE TRIGGER trg_vouchers_text_length_insert BEFORE INSERT ON vouchers
    WHEN length(NEW.summary) > 500
        OR length(NEW.idem_key) > 200
        OR length(NEW.preparer) > 100
        OR length(NEW.source) > 32
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: vouchers (summary 500, idem_key 200, preparer 100, source 32 characters at most)'); END;

-- statement
CREATE TRIGGER trg_vouchers_text_length_update BEFORE UPDATE OF summary, idem_key, preparer, source ON vouchers
    WHEN length(NEW.summary) > 500
        OR length(NEW.idem_key) > 200
        OR length(NEW.preparer) > 100
        OR length(NEW.source) > 32
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: vouchers (summary 500, idem_key 200, preparer 100, source 32 characters at most)'); END;

-- statement
CREATE TRIGGER trg_postings_text_length_insert BEFORE INSERT ON postings
    WHEN length(NEW.summary) > 500
        OR length(NEW.counterparty) > 200
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: postings (summary 500, counterparty 200 characters at most)'); END;

-- statement
CREATE TRIGGER trg_postings_text_length_update BEFORE UPDATE OF summary, counterparty ON postings
    WHEN length(NEW.summary) > 500
        OR length(NEW.counterparty) > 200
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: postings (summary 500, counterparty 200 characters at most)'); END;

-- statement
CREATE TRIGGER trg_bank_statement_lines_text_length_insert BEFORE INSERT ON bank_statement_lines
    WHEN length(NEW.summary) > 500
        OR length(NEW.counterparty_name) > 200
        OR length(NEW.counterparty_account) > 64
        OR length(NEW.serial) > 128
        OR length(NEW.identity) > 200
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: bank_statement_lines (summary 500, counterparty_name 200, counterparty_account 64, serial 128, identity 200 characters at most)'); END;

-- statement
CREATE TRIGGER trg_bank_statement_lines_text_length_update BEFORE UPDATE OF summary, counterparty_name, counterparty_account, serial, identity ON bank_statement_lines
    WHEN length(NEW.summary) > 500
        OR length(NEW.counterparty_name) > 200
        OR length(NEW.counterparty_account) > 64
        OR length(NEW.serial) > 128
        OR length(NEW.identity) > 200
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: bank_statement_lines (summary 500, counterparty_name 200, counterparty_account 64, serial 128, identity 200 characters at most)'); END;
