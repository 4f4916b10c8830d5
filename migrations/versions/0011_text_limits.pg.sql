-- Revision 0011, PostgreSQL: bank_statement_lines.summary is TEXT; refuse more than 500 characters,
-- the limit VARCHAR(n) gives every other code, name and summary column (ledger.limits).

-- statement
CREATE FUNCTION fl_bank_line_text_length() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF char_length(NEW.summary) > 500 THEN
        RAISE EXCEPTION 'fundledger:text_length: bank_statement_lines (summary 500 characters at most)';
    END IF;
    RETURN NEW;
END $$;

-- statement
CREATE TRIGGER trg_bank_statement_lines_text_length BEFORE INSERT OR UPDATE OF summary ON bank_statement_lines
    FOR EACH ROW EXECUTE FUNCTION fl_bank_line_text_length();
