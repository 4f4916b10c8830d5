-- Revision 0019, SQLite: pair_balances.counterparty holds at most 200 characters, as on PostgreSQL.

-- statement
CREATE TRIGGER trg_pair_balances_text_length_insert BEFORE INSERT ON pair_balances
    WHEN length(NEW.counterparty) > 200
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: pair_balances (counterparty 200 characters at most)'); END;
-- statement
CREATE TRIGGER trg_pair_balances_text_length_update BEFORE UPDATE OF counterparty ON pair_balances
    WHEN length(NEW.counterparty) > 200
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: pair_balances (counterparty 200 characters at most)'); END;
