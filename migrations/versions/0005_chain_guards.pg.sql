-- Revision 0005, PostgreSQL: the posting and voucher guards of revision 0001 become AFTER ... FOR
-- EACH STATEMENT triggers over transition tables (the same rules and messages, one set-based query
-- each), and the chain head moves once per ledger per statement.

-- statement
DROP TRIGGER IF EXISTS trg_vouchers_chain_head ON vouchers;
-- statement
DROP FUNCTION IF EXISTS fl_vouchers_chain_head();
-- statement
DROP TRIGGER IF EXISTS trg_vouchers_insert_guard ON vouchers;
-- statement
DROP FUNCTION IF EXISTS fl_vouchers_insert_guard();
-- statement
DROP TRIGGER IF EXISTS trg_postings_insert_guard ON postings;
-- statement
DROP FUNCTION IF EXISTS fl_postings_insert_guard();
-- statement
CREATE FUNCTION fl_postings_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM new_postings n JOIN vouchers v ON v.id = n.voucher_id) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:immutable_voucher: postings cannot be added to a posted voucher';
      END IF;
      IF EXISTS (SELECT 1 FROM new_postings n JOIN accounts a ON a.id = n.account_id WHERE NOT a.is_leaf) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:parent_account: postings go to leaf accounts only';
      END IF;
      RETURN NULL;
    END $$;
-- statement
CREATE TRIGGER trg_postings_insert_guard AFTER INSERT ON postings REFERENCING NEW TABLE AS new_postings FOR EACH STATEMENT EXECUTE FUNCTION fl_postings_insert_guard();
-- statement
CREATE FUNCTION fl_vouchers_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER trg_vouchers_insert_guard AFTER INSERT ON vouchers REFERENCING NEW TABLE AS new_vouchers FOR EACH STATEMENT EXECUTE FUNCTION fl_vouchers_insert_guard();
-- statement
-- Guards whose lookups must use the indexes even when the planner's statistics say the tables
-- are empty: plans of trigger functions are cached per connection, and a plan made on a fresh
-- database (a sequential scan) would otherwise be kept while the table grows within one large batch.
ALTER FUNCTION fl_vouchers_balanced() SET enable_seqscan = off;
-- statement
ALTER FUNCTION fl_accounts_insert_guard() SET enable_seqscan = off;
-- statement
-- The statement-level guards join the inserted rows (a transition table, no statistics) with
-- the books: nested loops over index lookups cost in proportion to the batch, where a hash or merge
-- join chosen on a bad estimate would read the whole table once per statement.
ALTER FUNCTION fl_postings_insert_guard() SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;
-- statement
ALTER FUNCTION fl_vouchers_insert_guard() SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;
