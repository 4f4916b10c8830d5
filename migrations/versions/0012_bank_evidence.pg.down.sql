-- Revision 0012 down, PostgreSQL: the occurrence guard goes with its column.

-- statement
ALTER TABLE bank_statement_lines DROP CONSTRAINT bank_statement_lines_occurrence_positive;
