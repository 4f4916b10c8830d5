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
