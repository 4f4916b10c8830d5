-- Revision 0012, PostgreSQL: a statement line's occurrence number is 1 or more.

-- statement
ALTER TABLE bank_statement_lines ADD CONSTRAINT bank_statement_lines_occurrence_positive CHECK (occurrence >= 1);
