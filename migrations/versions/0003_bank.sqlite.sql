-- Revision 0003, SQLite: imported bank statements and their lines are never updated or deleted.

-- statement
CREATE TRIGGER trg_bank_statement_lines_no_update BEFORE UPDATE ON bank_statement_lines
    BEGIN SELECT RAISE(ABORT,
      'fundledger:immutable_statement: imported bank statements are never updated'); END;
-- statement
CREATE TRIGGER trg_bank_statement_lines_no_delete BEFORE DELETE ON bank_statement_lines
    BEGIN SELECT RAISE(ABORT,
      'fundledger:immutable_statement: imported bank statements are never deleted'); END;
-- statement
CREATE TRIGGER trg_bank_imports_no_update BEFORE UPDATE ON bank_imports
    BEGIN SELECT RAISE(ABORT,
      'fundledger:immutable_statement: imported bank statements are never updated'); END;
-- statement
CREATE TRIGGER trg_bank_imports_no_delete BEFORE DELETE ON bank_imports
    BEGIN SELECT RAISE(ABORT,
      'fundledger:immutable_statement: imported bank statements are never deleted'); END;
