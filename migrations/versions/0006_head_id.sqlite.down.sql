-- Revision 0006 down, SQLite: the chain-head trigger of revision 0001 as it was.

-- statement
DROP TRIGGER trg_vouchers_chain_head;
-- statement
CREATE TRIGGER trg_vouchers_chain_head AFTER INSERT ON vouchers
    BEGIN UPDATE ledgers SET head_hash = NEW.content_hash WHERE id = NEW.ledger_id; END;
