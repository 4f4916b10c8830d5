-- Revision 0020, SQLite: the 凭证字 guard (revision 0008) and the adoption guard (revision 0009)
-- become one trigger that reads the voucher's ledger once; the same refusals in the same order
-- (adoption first, then the 凭证字, then its gapless number). The vouchers' text-length triggers
-- (revisions 0011 and 0016) are re-created after it, as they were, so that they still fire first.

-- statement
DROP TRIGGER trg_vouchers_adoption_guard;

-- statement
DROP TRIGGER trg_vouchers_word_guard;

-- statement
DROP TRIGGER trg_vouchers_text_length_insert;

-- statement
DROP TRIGGER trg_vouchers_text_length2_insert;

-- statement
-- A voucher of no ledger is refused as the 凭证字 guard refused it (no ledger's 字 allows it).
CREATE TRIGGER trg_vouchers_ledger_guard BEFORE INSERT ON vouchers
    BEGIN
      SELECT CASE
               WHEN NEW.source <> 'opening' AND NEW.period < l.adopted_from
                 THEN RAISE(ABORT, 'fundledger:before_adoption: the month lies before the ledger''s adoption month')
               WHEN NEW.source = 'opening'
                    AND (l.adopted_from IS NOT NULL OR EXISTS (SELECT 1 FROM vouchers WHERE ledger_id = NEW.ledger_id))
                 THEN RAISE(ABORT, 'fundledger:adoption: opening balances go into a ledger with no vouchers, once')
               WHEN l.id IS NULL
                    OR NOT ((l.voucher_words = '记' AND NEW.word = '记' AND NEW.word_number IS NULL)
                         OR (l.voucher_words = '收付转' AND NEW.word IN ('收', '付', '转')
                             AND NEW.word_number IS NOT NULL))
                 THEN RAISE(ABORT, 'fundledger:voucher_word: the 凭证字 is not one of its ledger''s')
             END
        FROM (SELECT 1) LEFT JOIN ledgers l ON l.id = NEW.ledger_id;
      SELECT RAISE(ABORT, 'fundledger:voucher_number_gap: voucher numbers run without gaps per ledger, month and 凭证字')
       WHERE NEW.word_number IS NOT NULL
         AND NEW.word_number <> COALESCE((SELECT MAX(word_number) FROM vouchers
                                           WHERE ledger_id = NEW.ledger_id AND period = NEW.period
                                             AND word = NEW.word), 0) + 1;
    END;

-- statement
CREATE TRIGGER trg_vouchers_text_length_insert BEFORE INSERT ON vouchers
    WHEN length(NEW.summary) > 500
        OR length(NEW.idem_key) > 200
        OR length(NEW.preparer) > 100
        OR length(NEW.source) > 32
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: vouchers (summary 500, idem_key 200, preparer 100, source 32 characters at most)'); END;

-- statement
CREATE TRIGGER trg_vouchers_text_length2_insert BEFORE INSERT ON vouchers
    WHEN length(NEW.content_hash) > 64
        OR length(NEW.fingerprint) > 64
        OR length(NEW.kind) > 16
        OR length(NEW.link_id) > 64
        OR length(NEW.preparer_auth) > 16
        OR length(NEW.prev_hash) > 64
        OR length(NEW.word) > 1
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: vouchers (content_hash 64, fingerprint 64, kind 16, link_id 64, preparer_auth 16, prev_hash 64, word 1 characters at most)'); END;
