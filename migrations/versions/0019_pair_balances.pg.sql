-- Revision 0019, PostgreSQL: pair_balances is never truncated (verify recomputes it from the postings).

-- statement
CREATE TRIGGER trg_pair_balances_no_truncate BEFORE TRUNCATE ON pair_balances FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'pair_balances are never truncated');
