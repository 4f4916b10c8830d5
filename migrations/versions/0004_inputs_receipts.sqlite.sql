-- Revision 0004, SQLite: links from statement lines to vouchers are never updated or deleted.

-- statement
CREATE TRIGGER trg_bank_line_vouchers_no_update BEFORE UPDATE ON bank_line_vouchers
    BEGIN SELECT RAISE(ABORT,
      'fundledger:immutable_statement: links from statement lines to vouchers are never updated'); END;
-- statement
CREATE TRIGGER trg_bank_line_vouchers_no_delete BEFORE DELETE ON bank_line_vouchers
    BEGIN SELECT RAISE(ABORT,
      'fundledger:immutable_statement: links from statement lines to vouchers are never deleted'); END;
