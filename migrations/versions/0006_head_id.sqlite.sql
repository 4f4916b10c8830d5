-- Revision 0006, SQLite: the chain-head trigger records ledgers.head_id beside head_hash.

-- statement
DROP TRIGGER trg_vouchers_chain_head;
-- statement
CREATE TRIGGER trg_vouchers_chain_head AFTER INSERT ON vouchers
    BEGIN UPDATE ledgers SET head_hash = NEW.content_hash, head_id = NEW.id WHERE id = NEW.ledger_id; END;
