-- Revision 0015, SQLite: electronic receipts are insert-only and agree with their statement line.

-- statement
CREATE TRIGGER trg_bank_receipts_no_update BEFORE UPDATE ON bank_receipts
    BEGIN SELECT RAISE(ABORT,
      'fundledger:immutable_statement: electronic receipts are never updated'); END;
-- statement
CREATE TRIGGER trg_bank_receipts_no_delete BEFORE DELETE ON bank_receipts
    BEGIN SELECT RAISE(ABORT,
      'fundledger:immutable_statement: electronic receipts are never deleted'); END;
-- statement
CREATE TRIGGER trg_bank_receipts_line BEFORE INSERT ON bank_receipts
    WHEN NOT EXISTS (SELECT 1 FROM bank_statement_lines l WHERE l.id = NEW.statement_line_id
                     AND l.account_id = NEW.account_id AND abs(l.amount_fen) = NEW.amount_fen)
    BEGIN SELECT RAISE(ABORT,
      'fundledger:receipt_line: a receipt''s amount and account are those of its statement line'); END;
-- statement
-- The declared lengths PostgreSQL's VARCHAR(n) enforces (ledger.limits; revisions 0011 and 0016 do
-- the same for the other tables). Receipts are never updated, so the insert is the one door.
CREATE TRIGGER trg_bank_receipts_text_length_insert BEFORE INSERT ON bank_receipts
    WHEN length(NEW.receipt_no) > 64
        OR length(NEW.serial) > 128
        OR length(NEW.payer_name) > 200
        OR length(NEW.payer_account) > 64
        OR length(NEW.payer_bank) > 200
        OR length(NEW.payee_name) > 200
        OR length(NEW.payee_account) > 64
        OR length(NEW.payee_bank) > 200
        OR length(NEW.file_name) > 255
        OR length(NEW.sha256) > 64
        OR length(NEW.imported_by) > 100
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: bank_receipts (receipt_no 64, serial 128, payer_name 200, payer_account 64, payer_bank 200, payee_name 200, payee_account 64, payee_bank 200, file_name 255, sha256 64, imported_by 100 characters at most)'); END;
