-- Revision 0011, PostgreSQL: drop the bank summary length guard.

-- statement
DROP TRIGGER trg_bank_statement_lines_text_length ON bank_statement_lines;

-- statement
DROP FUNCTION fl_bank_line_text_length();
