-- Revision 0008, PostgreSQL: the guards of voucher_withdrawals, a review or reversal of a withdrawn
-- voucher refused, the close guard of revision 0002 skipping withdrawn vouchers, and 凭证字.

-- statement
CREATE FUNCTION fl_voucher_withdrawals_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM vouchers WHERE id = NEW.voucher_id AND ledger_id = NEW.ledger_id) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE =
          'fundledger:withdrawal_refused: the voucher does not exist in this ledger';
      END IF;
      IF NOT COALESCE((SELECT maker_checker FROM ledgers WHERE id = NEW.ledger_id), false) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE =
          'fundledger:withdrawal_refused: the ledger does not use maker-checker';
      END IF;
      IF EXISTS (SELECT 1 FROM vouchers v LEFT JOIN vouchers o ON o.id = v.reversal_of_id
                  WHERE v.id = NEW.voucher_id AND (v.kind = 'closing' OR o.kind = 'closing')) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE =
          'fundledger:withdrawal_refused: closing vouchers and their reversals are never withdrawn';
      END IF;
      IF EXISTS (SELECT 1 FROM voucher_withdrawals WHERE voucher_id = NEW.voucher_id) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE =
          'fundledger:withdrawal_refused: the voucher was already withdrawn';
      END IF;
      IF EXISTS (SELECT 1 FROM voucher_reviews WHERE voucher_id = NEW.voucher_id) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE =
          'fundledger:withdrawal_refused: a reviewed voucher is corrected by a reversal';
      END IF;
      IF NOT EXISTS (SELECT 1 FROM vouchers v
                       JOIN periods p ON p.ledger_id = v.ledger_id AND p.period = v.period
                      WHERE v.id = NEW.voucher_id AND p.status = 'open') THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE =
          'fundledger:withdrawal_refused: the voucher''s month is closed';
      END IF;
      IF (NEW.role = 'preparer') IS DISTINCT FROM
         (lower(trim(NEW.actor)) = (SELECT lower(trim(preparer)) FROM vouchers WHERE id = NEW.voucher_id)) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE =
          'fundledger:withdrawal_refused: the role is preparer exactly when the actor prepared the voucher';
      END IF;
      RETURN NEW;
    END $$;
-- statement
CREATE TRIGGER trg_voucher_withdrawals_insert_guard BEFORE INSERT ON voucher_withdrawals FOR EACH ROW EXECUTE FUNCTION fl_voucher_withdrawals_insert_guard();
-- statement
CREATE TRIGGER trg_voucher_withdrawals_no_change BEFORE UPDATE OR DELETE ON voucher_withdrawals FOR EACH ROW EXECUTE FUNCTION fl_refuse('immutable_withdrawal', 'withdrawals are never updated or deleted');
-- statement
CREATE TRIGGER trg_voucher_withdrawals_no_truncate BEFORE TRUNCATE ON voucher_withdrawals FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_withdrawal', 'withdrawals are never deleted');
-- statement
CREATE FUNCTION fl_voucher_reviews_not_withdrawn() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM voucher_withdrawals WHERE voucher_id = NEW.voucher_id) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE =
          'fundledger:withdrawn_voucher: a withdrawn voucher is never reviewed';
      END IF;
      RETURN NEW;
    END $$;
-- statement
CREATE TRIGGER trg_voucher_reviews_not_withdrawn BEFORE INSERT ON voucher_reviews FOR EACH ROW EXECUTE FUNCTION fl_voucher_reviews_not_withdrawn();
-- statement
-- One set-based check per statement, like revision 0005's voucher guards (COPY batches stay cheap).
CREATE FUNCTION fl_vouchers_reversal_not_withdrawn() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM new_vouchers n JOIN voucher_withdrawals w ON w.voucher_id = n.reversal_of_id) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE =
          'fundledger:withdrawn_voucher: a withdrawn voucher counts nowhere and is never reversed';
      END IF;
      RETURN NULL;
    END $$;
-- statement
CREATE TRIGGER trg_vouchers_reversal_not_withdrawn AFTER INSERT ON vouchers REFERENCING NEW TABLE AS new_vouchers FOR EACH STATEMENT EXECUTE FUNCTION fl_vouchers_reversal_not_withdrawn();
-- statement
CREATE OR REPLACE FUNCTION fl_periods_close_reviewed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM vouchers v JOIN ledgers l ON l.id = v.ledger_id
                   LEFT JOIN vouchers o ON o.id = v.reversal_of_id
                  WHERE v.ledger_id = NEW.ledger_id AND v.period = NEW.period AND (l.maker_checker AND v.kind <> 'closing' AND (o.kind IS NULL OR o.kind <> 'closing'))
                    AND NOT EXISTS (SELECT 1 FROM voucher_reviews r WHERE r.voucher_id = v.id)
                    AND NOT EXISTS (SELECT 1 FROM voucher_withdrawals w WHERE w.voucher_id = v.id)) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE =
          'fundledger:unreviewed_voucher: vouchers of this month await review; review them before closing';
      END IF;
      RETURN NEW;
    END $$;
-- statement
-- 凭证字 per statement, like revision 0005's numbering check: the word is one of the ledger's, and
-- per ledger, month and word the new word numbers run on from the largest old one without a gap.
CREATE FUNCTION fl_vouchers_word_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM new_vouchers n JOIN ledgers l ON l.id = n.ledger_id
                  WHERE NOT ((l.voucher_words = '记' AND n.word = '记' AND n.word_number IS NULL)
                          OR (l.voucher_words = '收付转' AND n.word IN ('收', '付', '转')
                              AND n.word_number IS NOT NULL))) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:voucher_word: the 凭证字 is not one of its ledger''s';
      END IF;
      IF EXISTS (SELECT 1 FROM (SELECT ledger_id, period, word, MIN(word_number) AS lo, MAX(word_number) AS hi,
                                       COUNT(*) AS n
                                  FROM new_vouchers WHERE word_number IS NOT NULL
                                 GROUP BY ledger_id, period, word) g
                  WHERE g.hi - g.lo + 1 <> g.n
                     OR g.lo <> COALESCE((SELECT MAX(v.word_number) FROM vouchers v
                                           WHERE v.ledger_id = g.ledger_id AND v.period = g.period
                                             AND v.word = g.word AND v.word_number < g.lo), 0) + 1) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:voucher_number_gap: voucher numbers run without gaps per ledger, month and 凭证字';
      END IF;
      RETURN NULL;
    END $$;
-- statement
CREATE TRIGGER trg_vouchers_word_guard AFTER INSERT ON vouchers REFERENCING NEW TABLE AS new_vouchers FOR EACH STATEMENT EXECUTE FUNCTION fl_vouchers_word_guard();
-- statement
CREATE FUNCTION fl_ledgers_voucher_words_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.voucher_words NOT IN ('记', '收付转') THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:voucher_word: a ledger''s 凭证字 are 记 or 收付转';
      END IF;
      IF TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM vouchers WHERE ledger_id = NEW.id) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:voucher_word: a ledger''s 凭证字 are chosen before its first voucher';
      END IF;
      RETURN NEW;
    END $$;
-- statement
CREATE TRIGGER trg_ledgers_voucher_words_insert BEFORE INSERT ON ledgers FOR EACH ROW EXECUTE FUNCTION fl_ledgers_voucher_words_guard();
-- statement
CREATE TRIGGER trg_ledgers_voucher_words_update BEFORE UPDATE OF voucher_words ON ledgers FOR EACH ROW WHEN (NEW.voucher_words IS DISTINCT FROM OLD.voucher_words) EXECUTE FUNCTION fl_ledgers_voucher_words_guard();
