-- Revision 0015, PostgreSQL: electronic receipts are insert-only and agree with their statement line.

-- statement
CREATE TRIGGER trg_bank_receipts_no_change BEFORE UPDATE OR DELETE ON bank_receipts FOR EACH ROW EXECUTE FUNCTION fl_refuse('immutable_statement', 'electronic receipts are never changed');
-- statement
CREATE TRIGGER trg_bank_receipts_no_truncate BEFORE TRUNCATE ON bank_receipts FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_statement', 'electronic receipts are never deleted');
-- statement
CREATE FUNCTION fl_bank_receipt_line() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM bank_statement_lines l WHERE l.id = NEW.statement_line_id
                   AND l.account_id = NEW.account_id AND abs(l.amount_fen) = NEW.amount_fen) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:receipt_line: a receipt''s amount and account are those of its statement line';
    END IF;
    RETURN NEW;
END $$;
-- statement
CREATE TRIGGER trg_bank_receipts_line BEFORE INSERT ON bank_receipts FOR EACH ROW EXECUTE FUNCTION fl_bank_receipt_line();
