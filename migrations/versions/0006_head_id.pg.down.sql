-- Revision 0006 down, PostgreSQL: the per-ledger balance trigger goes; the voucher guard of
-- revision 0005 (without head_id) and the per-voucher balance trigger of revision 0001 come back,
-- their text as in 0005_chain_guards.pg.sql and 0001_schema.pg.sql.

-- statement
DROP TRIGGER trg_ledgers_balanced ON ledgers;
-- statement
DROP FUNCTION fl_ledgers_balanced();
-- statement
CREATE OR REPLACE FUNCTION fl_vouchers_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM (SELECT n.posting_count, COUNT(p.voucher_id) AS lines,
                                       COALESCE(SUM(p.amount_fen), 0) AS total
                                  FROM new_vouchers n LEFT JOIN postings p ON p.voucher_id = n.id
                                 GROUP BY n.id, n.posting_count) t
                  WHERE t.lines < 2 OR t.lines <> t.posting_count OR t.total <> 0) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:unbalanced_voucher: a voucher needs two or more postings summing to zero';
      END IF;
      IF EXISTS (SELECT 1 FROM new_vouchers n JOIN postings p ON p.voucher_id = n.id
                  WHERE p.ledger_id <> n.ledger_id) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:foreign_account: a posting belongs to another ledger';
      END IF;
      IF EXISTS (SELECT 1 FROM new_vouchers n
                  WHERE (EXTRACT(YEAR FROM n.voucher_date) * 100 + EXTRACT(MONTH FROM n.voucher_date))::int
                        <> n.period) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:date_in_period: the voucher date lies outside its period';
      END IF;
      IF EXISTS (SELECT 1 FROM (SELECT DISTINCT ledger_id, period FROM new_vouchers) n
                  WHERE NOT EXISTS (SELECT 1 FROM periods o WHERE o.ledger_id = n.ledger_id
                                       AND o.period = n.period AND o.status = 'open')) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:closed_period: the period is closed or does not exist';
      END IF;
      -- Numbers: per ledger-month the new ones run on without a gap from the largest old one
      -- (the unique key refuses duplicates).
      IF EXISTS (SELECT 1 FROM (SELECT ledger_id, period, MIN(number) AS lo, MAX(number) AS hi, COUNT(*) AS n
                                  FROM new_vouchers GROUP BY ledger_id, period) g
                  WHERE g.hi - g.lo + 1 <> g.n
                     OR g.lo <> COALESCE((SELECT MAX(v.number) FROM vouchers v WHERE v.ledger_id = g.ledger_id
                                            AND v.period = g.period AND v.number < g.lo), 0) + 1) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:voucher_number_gap: voucher numbers run without gaps per ledger and month';
      END IF;
      -- The chain: ordered by id within each ledger, each voucher names the one before it, the
      -- first names the ledger's head, and no older voucher of the ledger has a higher id.
      IF EXISTS (SELECT 1 FROM (SELECT ledger_id, id, prev_hash,
                                       LAG(content_hash) OVER (PARTITION BY ledger_id ORDER BY id) AS before
                                  FROM new_vouchers) c
                   JOIN ledgers l ON l.id = c.ledger_id
                  WHERE c.prev_hash IS DISTINCT FROM COALESCE(c.before, l.head_hash))
         OR EXISTS (SELECT 1 FROM (SELECT ledger_id, MIN(id) AS lo, COUNT(*) AS n
                                     FROM new_vouchers GROUP BY ledger_id) g
                     WHERE (SELECT COUNT(*) FROM vouchers v WHERE v.ledger_id = g.ledger_id AND v.id >= g.lo) <> g.n)
      THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:hash_chain: prev_hash must be the hash of the ledger''s newest voucher';
      END IF;
      IF EXISTS (SELECT 1 FROM new_vouchers n
                  WHERE n.reversal_of_id IS NOT NULL AND NOT EXISTS (
                        SELECT 1 FROM vouchers r WHERE r.id = n.reversal_of_id AND r.ledger_id = n.ledger_id)) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:foreign_account: a reversal must point at a voucher of its own ledger';
      END IF;
      UPDATE ledgers l SET head_hash = newest.content_hash
        FROM (SELECT DISTINCT ON (ledger_id) ledger_id, content_hash
                FROM new_vouchers ORDER BY ledger_id, id DESC) AS newest
       WHERE l.id = newest.ledger_id;
      RETURN NULL;
    END $$;
-- statement
-- CREATE OR REPLACE FUNCTION resets a function's settings: give back those revision 0005 set.
ALTER FUNCTION fl_vouchers_insert_guard() SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;
-- statement
CREATE FUNCTION fl_vouchers_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      n integer;
      total bigint;
    BEGIN
      SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) INTO n, total FROM postings WHERE voucher_id = NEW.id;
      IF n < 2 OR n <> NEW.posting_count OR total <> 0 THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = format('fundledger:unbalanced_voucher: voucher %s has %s postings summing to %s fen',
                        NEW.id, n, total);
      END IF;
      RETURN NULL;
    END $$;
-- statement
CREATE CONSTRAINT TRIGGER trg_vouchers_balanced AFTER INSERT ON vouchers DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fl_vouchers_balanced();
-- statement
ALTER FUNCTION fl_vouchers_balanced() SET enable_seqscan = off;
