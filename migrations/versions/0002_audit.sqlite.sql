-- Revision 0002, SQLite: the guards of voucher_reviews and of closing a maker-checker month, then
-- the auditor views. Amounts in *_yuan columns are exact decimal text such as '-1234.50' (SQLite has
-- no exact decimal type).

-- statement
CREATE TRIGGER trg_voucher_reviews_insert_guard BEFORE INSERT ON voucher_reviews
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:review_not_required: the voucher does not exist in this ledger')
       WHERE NOT EXISTS (SELECT 1 FROM vouchers WHERE id = NEW.voucher_id AND ledger_id = NEW.ledger_id);
      SELECT RAISE(ABORT, 'fundledger:self_review: a voucher is reviewed by another user than its preparer')
       WHERE lower(trim(NEW.reviewer)) =
             (SELECT lower(trim(preparer)) FROM vouchers WHERE id = NEW.voucher_id);
      SELECT RAISE(ABORT, 'fundledger:review_not_required: the ledger does not use maker-checker')
       WHERE NOT COALESCE((SELECT maker_checker FROM ledgers WHERE id = NEW.ledger_id), 0);
      SELECT RAISE(ABORT,
             'fundledger:review_not_required: closing vouchers and their reversals count without review')
       WHERE EXISTS (SELECT 1 FROM vouchers v LEFT JOIN vouchers o ON o.id = v.reversal_of_id
                      WHERE v.id = NEW.voucher_id AND (v.kind = 'closing' OR o.kind = 'closing'));
      SELECT RAISE(ABORT, 'fundledger:already_reviewed: the voucher was already reviewed')
       WHERE EXISTS (SELECT 1 FROM voucher_reviews WHERE voucher_id = NEW.voucher_id);
      SELECT RAISE(ABORT, 'fundledger:closed_period: the voucher''s month is closed')
       WHERE NOT EXISTS (SELECT 1 FROM vouchers v
                           JOIN periods p ON p.ledger_id = v.ledger_id AND p.period = v.period
                          WHERE v.id = NEW.voucher_id AND p.status = 'open');
    END;
-- statement
CREATE TRIGGER trg_voucher_reviews_no_update BEFORE UPDATE ON voucher_reviews
    BEGIN SELECT RAISE(ABORT, 'fundledger:immutable_review: reviews are never updated'); END;
-- statement
CREATE TRIGGER trg_voucher_reviews_no_delete BEFORE DELETE ON voucher_reviews
    BEGIN SELECT RAISE(ABORT, 'fundledger:immutable_review: reviews are never deleted'); END;
-- statement
CREATE TRIGGER trg_periods_close_reviewed BEFORE UPDATE OF status ON periods
    WHEN NEW.status = 'closed' AND OLD.status = 'open'
    BEGIN
      SELECT RAISE(ABORT,
             'fundledger:unreviewed_voucher: vouchers of this month await review; review them before closing')
       WHERE EXISTS (SELECT 1 FROM vouchers v JOIN ledgers l ON l.id = v.ledger_id
                       LEFT JOIN vouchers o ON o.id = v.reversal_of_id
                      WHERE v.ledger_id = NEW.ledger_id AND v.period = NEW.period AND (l.maker_checker AND v.kind <> 'closing' AND (o.kind IS NULL OR o.kind <> 'closing'))
                        AND NOT EXISTS (SELECT 1 FROM voucher_reviews r WHERE r.voucher_id = v.id));
    END;
-- statement
CREATE VIEW v_vouchers AS
    SELECT v.id AS voucher_id,
           l.code AS ledger_code,
           e.code AS entity_code,
           e.name AS entity_name,
           l.fund AS fund,
           v.period AS period,
           printf('%04d-%02d', (v.period) / 100, (v.period) % 100) AS period_text,
           v.number AS number,
           '记-' || printf('%04d', v.number) AS voucher_no,
           v.voucher_date AS voucher_date,
           v.summary AS summary,
           v.kind AS kind,
           v.source AS source,
           v.idem_key AS idem_key,
           v.preparer AS preparer,
           v.posted_at AS posted_at,
           CASE WHEN (l.maker_checker AND v.kind <> 'closing' AND (o.kind IS NULL OR o.kind <> 'closing')) THEN 1 ELSE 0 END AS review_required,
           r.reviewer AS reviewer,
           r.reviewed_at AS reviewed_at,
           CASE WHEN (l.maker_checker AND v.kind <> 'closing' AND (o.kind IS NULL OR o.kind <> 'closing')) AND r.id IS NULL THEN 0 ELSE 1 END AS counted,
           CASE WHEN (l.maker_checker AND v.kind <> 'closing' AND (o.kind IS NULL OR o.kind <> 'closing')) THEN r.reviewed_at ELSE v.posted_at END AS counted_at,
           v.link_id AS link_id,
           v.reversal_of_id AS reversal_of_id,
           rb.id AS reversed_by_id,
           v.posting_count AS posting_count,
           d.debit_fen AS amount_fen,
           (CASE WHEN (d.debit_fen) < 0 THEN '-' ELSE '' END || CAST(abs(d.debit_fen) / 100 AS TEXT) || '.' || substr('0' || CAST(abs(d.debit_fen) % 100 AS TEXT), -2, 2)) AS amount_yuan,
           v.content_hash AS content_hash,
           v.prev_hash AS prev_hash
      FROM vouchers v
      JOIN ledgers l ON l.id = v.ledger_id
      JOIN entities e ON e.id = l.entity_id
      LEFT JOIN vouchers o ON o.id = v.reversal_of_id
      LEFT JOIN vouchers rb ON rb.reversal_of_id = v.id
      LEFT JOIN voucher_reviews r ON r.voucher_id = v.id
      LEFT JOIN (SELECT voucher_id, SUM(amount_fen) AS debit_fen FROM postings
                  WHERE amount_fen > 0 GROUP BY voucher_id) d ON d.voucher_id = v.id;
-- statement
CREATE VIEW v_postings AS
    SELECT p.id AS posting_id,
           vv.ledger_code AS ledger_code,
           vv.entity_code AS entity_code,
           vv.entity_name AS entity_name,
           p.voucher_id AS voucher_id,
           vv.period AS period,
           vv.period_text AS period_text,
           vv.voucher_no AS voucher_no,
           vv.voucher_date AS voucher_date,
           vv.summary AS voucher_summary,
           vv.kind AS kind,
           p.line_no AS line_no,
           a.code AS account_code,
           a.name AS account_name,
           a.category AS category,
           p.amount_fen AS amount_fen,
           CASE WHEN p.amount_fen > 0 THEN p.amount_fen ELSE 0 END AS debit_fen,
           CASE WHEN p.amount_fen < 0 THEN -p.amount_fen ELSE 0 END AS credit_fen,
           (CASE WHEN (CASE WHEN p.amount_fen > 0 THEN p.amount_fen ELSE 0 END) < 0 THEN '-' ELSE '' END || CAST(abs(CASE WHEN p.amount_fen > 0 THEN p.amount_fen ELSE 0 END) / 100 AS TEXT) || '.' || substr('0' || CAST(abs(CASE WHEN p.amount_fen > 0 THEN p.amount_fen ELSE 0 END) % 100 AS TEXT), -2, 2)) AS debit_yuan,
           (CASE WHEN (CASE WHEN p.amount_fen < 0 THEN -p.amount_fen ELSE 0 END) < 0 THEN '-' ELSE '' END || CAST(abs(CASE WHEN p.amount_fen < 0 THEN -p.amount_fen ELSE 0 END) / 100 AS TEXT) || '.' || substr('0' || CAST(abs(CASE WHEN p.amount_fen < 0 THEN -p.amount_fen ELSE 0 END) % 100 AS TEXT), -2, 2)) AS credit_yuan,
           p.summary AS line_summary,
           p.counterparty AS counterparty,
           vv.counted AS counted
      FROM postings p
      JOIN v_vouchers vv ON vv.voucher_id = p.voucher_id
      JOIN accounts a ON a.id = p.account_id;
-- statement
CREATE VIEW v_trial_balance AS
    SELECT t.ledger_code, t.period, printf('%04d-%02d', (t.period) / 100, (t.period) % 100) AS period_text,
           t.account_code, t.account_name, t.category, t.normal_side,
           t.closing_fen - t.debit_fen + t.credit_fen AS opening_fen,
           t.debit_fen, t.credit_fen, t.closing_fen,
           (CASE WHEN (t.closing_fen - t.debit_fen + t.credit_fen) < 0 THEN '-' ELSE '' END || CAST(abs(t.closing_fen - t.debit_fen + t.credit_fen) / 100 AS TEXT) || '.' || substr('0' || CAST(abs(t.closing_fen - t.debit_fen + t.credit_fen) % 100 AS TEXT), -2, 2)) AS opening_yuan,
           (CASE WHEN (t.debit_fen) < 0 THEN '-' ELSE '' END || CAST(abs(t.debit_fen) / 100 AS TEXT) || '.' || substr('0' || CAST(abs(t.debit_fen) % 100 AS TEXT), -2, 2)) AS debit_yuan,
           (CASE WHEN (t.credit_fen) < 0 THEN '-' ELSE '' END || CAST(abs(t.credit_fen) / 100 AS TEXT) || '.' || substr('0' || CAST(abs(t.credit_fen) % 100 AS TEXT), -2, 2)) AS credit_yuan,
           (CASE WHEN (t.closing_fen) < 0 THEN '-' ELSE '' END || CAST(abs(t.closing_fen) / 100 AS TEXT) || '.' || substr('0' || CAST(abs(t.closing_fen) % 100 AS TEXT), -2, 2)) AS closing_yuan
      FROM (SELECT l.code AS ledger_code, ab.period AS period, a.code AS account_code,
                   a.name AS account_name, a.category AS category, a.normal_side AS normal_side,
                   ab.debit_fen AS debit_fen, ab.credit_fen AS credit_fen,
                   SUM(ab.debit_fen - ab.credit_fen) OVER (
                       PARTITION BY ab.ledger_id, ab.account_id ORDER BY ab.period
                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS closing_fen
              FROM account_balances ab
              JOIN accounts a ON a.id = ab.account_id
              JOIN ledgers l ON l.id = ab.ledger_id) t;
