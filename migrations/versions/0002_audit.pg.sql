-- Revision 0002, PostgreSQL: the guards of voucher_reviews and of closing a maker-checker month,
-- then the auditor views. Amounts in *_yuan columns are numeric(20,2).

-- statement
CREATE FUNCTION fl_voucher_reviews_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      v record;
    BEGIN
      SELECT vo.preparer, vo.kind, vo.period, vo.reversal_of_id, l.maker_checker INTO v
        FROM vouchers vo JOIN ledgers l ON l.id = vo.ledger_id
       WHERE vo.id = NEW.voucher_id AND vo.ledger_id = NEW.ledger_id;
      IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:review_not_required: the voucher does not exist in this ledger';
      END IF;
      IF lower(trim(NEW.reviewer)) = lower(trim(v.preparer)) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:self_review: a voucher is reviewed by another user than its preparer';
      END IF;
      IF NOT v.maker_checker THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:review_not_required: the ledger does not use maker-checker';
      END IF;
      IF v.kind = 'closing'
         OR EXISTS (SELECT 1 FROM vouchers o WHERE o.id = v.reversal_of_id AND o.kind = 'closing') THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:review_not_required: closing vouchers and their reversals count without review';
      END IF;
      IF EXISTS (SELECT 1 FROM voucher_reviews WHERE voucher_id = NEW.voucher_id) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:already_reviewed: the voucher was already reviewed';
      END IF;
      IF NOT EXISTS (SELECT 1 FROM periods
                      WHERE ledger_id = NEW.ledger_id AND period = v.period AND status = 'open') THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:closed_period: the voucher''s month is closed';
      END IF;
      RETURN NEW;
    END $$;
-- statement
CREATE TRIGGER trg_voucher_reviews_insert_guard BEFORE INSERT ON voucher_reviews FOR EACH ROW EXECUTE FUNCTION fl_voucher_reviews_insert_guard();
-- statement
CREATE TRIGGER trg_voucher_reviews_no_change BEFORE UPDATE OR DELETE ON voucher_reviews FOR EACH ROW EXECUTE FUNCTION fl_refuse('immutable_review', 'reviews are never updated or deleted');
-- statement
CREATE TRIGGER trg_voucher_reviews_no_truncate BEFORE TRUNCATE ON voucher_reviews FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_review', 'reviews are never deleted');
-- statement
CREATE FUNCTION fl_periods_close_reviewed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM vouchers v JOIN ledgers l ON l.id = v.ledger_id
                   LEFT JOIN vouchers o ON o.id = v.reversal_of_id
                  WHERE v.ledger_id = NEW.ledger_id AND v.period = NEW.period AND (l.maker_checker AND v.kind <> 'closing' AND (o.kind IS NULL OR o.kind <> 'closing'))
                    AND NOT EXISTS (SELECT 1 FROM voucher_reviews r WHERE r.voucher_id = v.id)) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE =
          'fundledger:unreviewed_voucher: vouchers of this month await review; review them before closing';
      END IF;
      RETURN NEW;
    END $$;
-- statement
CREATE TRIGGER trg_periods_close_reviewed BEFORE UPDATE ON periods FOR EACH ROW WHEN (NEW.status = 'closed' AND OLD.status = 'open') EXECUTE FUNCTION fl_periods_close_reviewed();
-- statement
CREATE VIEW v_vouchers AS
    SELECT v.id AS voucher_id,
           l.code AS ledger_code,
           e.code AS entity_code,
           e.name AS entity_name,
           l.fund AS fund,
           v.period AS period,
           ((v.period) / 100)::text || '-' || lpad(((v.period) % 100)::text, 2, '0') AS period_text,
           v.number AS number,
           '记-' || lpad((v.number)::text, 4, '0') AS voucher_no,
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
           ((d.debit_fen)::numeric / 100)::numeric(20, 2) AS amount_yuan,
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
           ((CASE WHEN p.amount_fen > 0 THEN p.amount_fen ELSE 0 END)::numeric / 100)::numeric(20, 2) AS debit_yuan,
           ((CASE WHEN p.amount_fen < 0 THEN -p.amount_fen ELSE 0 END)::numeric / 100)::numeric(20, 2) AS credit_yuan,
           p.summary AS line_summary,
           p.counterparty AS counterparty,
           vv.counted AS counted
      FROM postings p
      JOIN v_vouchers vv ON vv.voucher_id = p.voucher_id
      JOIN accounts a ON a.id = p.account_id;
-- statement
CREATE VIEW v_trial_balance AS
    SELECT t.ledger_code, t.period, ((t.period) / 100)::text || '-' || lpad(((t.period) % 100)::text, 2, '0') AS period_text,
           t.account_code, t.account_name, t.category, t.normal_side,
           t.closing_fen - t.debit_fen + t.credit_fen AS opening_fen,
           t.debit_fen, t.credit_fen, t.closing_fen,
           ((t.closing_fen - t.debit_fen + t.credit_fen)::numeric / 100)::numeric(20, 2) AS opening_yuan,
           ((t.debit_fen)::numeric / 100)::numeric(20, 2) AS debit_yuan,
           ((t.credit_fen)::numeric / 100)::numeric(20, 2) AS credit_yuan,
           ((t.closing_fen)::numeric / 100)::numeric(20, 2) AS closing_yuan
      FROM (SELECT l.code AS ledger_code, ab.period AS period, a.code AS account_code,
                   a.name AS account_name, a.category AS category, a.normal_side AS normal_side,
                   ab.debit_fen AS debit_fen, ab.credit_fen AS credit_fen,
                   SUM(ab.debit_fen - ab.credit_fen) OVER (
                       PARTITION BY ab.ledger_id, ab.account_id ORDER BY ab.period
                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS closing_fen
              FROM account_balances ab
              JOIN accounts a ON a.id = ab.account_id
              JOIN ledgers l ON l.id = ab.ledger_id) t;
