-- Revision 0012, SQLite: a statement line's occurrence number is 1 or more.

-- statement
CREATE TRIGGER trg_bank_statement_lines_occurrence BEFORE INSERT ON bank_statement_lines
    WHEN NEW.occurrence < 1
    BEGIN SELECT RAISE(ABORT,
      'fundledger:statement_occurrence: a statement line''s occurrence number is 1 or more'); END;
