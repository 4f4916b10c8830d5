-- Revision 0021, PostgreSQL: the journal partitioned by ledger (HASH (ledger_id), 8 partitions), its
-- keys carrying the ledger (issue 19 item 6). vouchers and postings are rebuilt as partitioned
-- tables and their rows carried over; bank_line_vouchers gains its ledger, so that every reference
-- to a voucher is (ledger_id, voucher_id). The triggers and views are re-created as they were.

-- statement
-- The views read the tables by oid: they go, and come back over the new tables at the end.
DROP VIEW v_postings;
-- statement
DROP VIEW v_vouchers;
-- statement
ALTER TABLE postings DROP CONSTRAINT fk_postings_voucher_ledger;
-- statement
ALTER TABLE voucher_reviews DROP CONSTRAINT fk_voucher_reviews_voucher_ledger;
-- statement
ALTER TABLE voucher_withdrawals DROP CONSTRAINT fk_voucher_withdrawals_voucher_ledger;
-- statement
-- The link's ledger, from its voucher (the link is insert-only: its guard is off for this one fill).
ALTER TABLE bank_line_vouchers ADD COLUMN ledger_id BIGINT;
-- statement
ALTER TABLE bank_line_vouchers DISABLE TRIGGER trg_bank_line_vouchers_no_change;
-- statement
UPDATE bank_line_vouchers b SET ledger_id = v.ledger_id FROM vouchers v WHERE v.id = b.voucher_id;
-- statement
ALTER TABLE bank_line_vouchers ENABLE TRIGGER trg_bank_line_vouchers_no_change;
-- statement
ALTER TABLE bank_line_vouchers ALTER COLUMN ledger_id SET NOT NULL;
-- statement
ALTER TABLE bank_line_vouchers DROP CONSTRAINT fk_bank_line_vouchers_voucher_id_vouchers;
-- statement
ALTER TABLE vouchers RENAME TO vouchers_unpartitioned;
-- statement
ALTER TABLE postings RENAME TO postings_unpartitioned;
-- statement
CREATE TABLE vouchers (LIKE vouchers_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY HASH (ledger_id);
-- statement
CREATE TABLE postings (LIKE postings_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY HASH (ledger_id);
-- statement
CREATE TABLE vouchers_p0 PARTITION OF vouchers FOR VALUES WITH (MODULUS 8, REMAINDER 0);
-- statement
CREATE TABLE vouchers_p1 PARTITION OF vouchers FOR VALUES WITH (MODULUS 8, REMAINDER 1);
-- statement
CREATE TABLE vouchers_p2 PARTITION OF vouchers FOR VALUES WITH (MODULUS 8, REMAINDER 2);
-- statement
CREATE TABLE vouchers_p3 PARTITION OF vouchers FOR VALUES WITH (MODULUS 8, REMAINDER 3);
-- statement
CREATE TABLE vouchers_p4 PARTITION OF vouchers FOR VALUES WITH (MODULUS 8, REMAINDER 4);
-- statement
CREATE TABLE vouchers_p5 PARTITION OF vouchers FOR VALUES WITH (MODULUS 8, REMAINDER 5);
-- statement
CREATE TABLE vouchers_p6 PARTITION OF vouchers FOR VALUES WITH (MODULUS 8, REMAINDER 6);
-- statement
CREATE TABLE vouchers_p7 PARTITION OF vouchers FOR VALUES WITH (MODULUS 8, REMAINDER 7);
-- statement
CREATE TABLE postings_p0 PARTITION OF postings FOR VALUES WITH (MODULUS 8, REMAINDER 0);
-- statement
CREATE TABLE postings_p1 PARTITION OF postings FOR VALUES WITH (MODULUS 8, REMAINDER 1);
-- statement
CREATE TABLE postings_p2 PARTITION OF postings FOR VALUES WITH (MODULUS 8, REMAINDER 2);
-- statement
CREATE TABLE postings_p3 PARTITION OF postings FOR VALUES WITH (MODULUS 8, REMAINDER 3);
-- statement
CREATE TABLE postings_p4 PARTITION OF postings FOR VALUES WITH (MODULUS 8, REMAINDER 4);
-- statement
CREATE TABLE postings_p5 PARTITION OF postings FOR VALUES WITH (MODULUS 8, REMAINDER 5);
-- statement
CREATE TABLE postings_p6 PARTITION OF postings FOR VALUES WITH (MODULUS 8, REMAINDER 6);
-- statement
CREATE TABLE postings_p7 PARTITION OF postings FOR VALUES WITH (MODULUS 8, REMAINDER 7);
-- statement
-- Carries the journal as it is: no trigger is on the new table yet, and every row passed the guards when written.
INSERT INTO vouchers SELECT * FROM vouchers_unpartitioned ORDER BY id;
-- statement
INSERT INTO postings SELECT * FROM postings_unpartitioned ORDER BY id;
-- statement
ALTER SEQUENCE vouchers_id_seq OWNED BY vouchers.id;
-- statement
ALTER SEQUENCE postings_id_seq OWNED BY postings.id;
-- statement
DROP TABLE postings_unpartitioned;
-- statement
DROP TABLE vouchers_unpartitioned;
-- statement
-- id first: every lookup by id alone keeps one index, and (ledger_id, id) references match it as a set.
ALTER TABLE vouchers ADD CONSTRAINT pk_vouchers PRIMARY KEY (id, ledger_id);
-- statement
ALTER TABLE vouchers ADD CONSTRAINT uq_vouchers_ledger_id_period_number UNIQUE (ledger_id, period, number);
-- statement
ALTER TABLE vouchers ADD CONSTRAINT uq_vouchers_ledger_id_idem_key UNIQUE (ledger_id, idem_key);
-- statement
ALTER TABLE vouchers ADD CONSTRAINT uq_vouchers_reversal_of_id_ledger_id UNIQUE (reversal_of_id, ledger_id);
-- statement
ALTER TABLE vouchers ADD CONSTRAINT fk_vouchers_ledger_id_ledgers FOREIGN KEY (ledger_id) REFERENCES ledgers(id) ON DELETE RESTRICT;
-- statement
ALTER TABLE vouchers ADD CONSTRAINT fk_vouchers_reversal_ledger FOREIGN KEY (ledger_id, reversal_of_id) REFERENCES vouchers(ledger_id, id) ON DELETE RESTRICT;
-- statement
ALTER TABLE postings ADD CONSTRAINT pk_postings PRIMARY KEY (id, ledger_id);
-- statement
ALTER TABLE postings ADD CONSTRAINT uq_postings_voucher_id_line_no_ledger_id UNIQUE (voucher_id, line_no, ledger_id);
-- statement
ALTER TABLE postings ADD CONSTRAINT fk_postings_voucher_ledger FOREIGN KEY (ledger_id, voucher_id) REFERENCES vouchers(ledger_id, id) ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED;
-- statement
ALTER TABLE postings ADD CONSTRAINT fk_postings_account_ledger FOREIGN KEY (ledger_id, account_id) REFERENCES accounts(ledger_id, id) ON DELETE RESTRICT;
-- statement
CREATE INDEX ix_postings_account_id ON postings (account_id);
-- statement
CREATE INDEX ix_vouchers_link_id ON vouchers (link_id);
-- statement
CREATE INDEX ix_vouchers_ledger_date ON vouchers (ledger_id, voucher_date);
-- statement
CREATE UNIQUE INDEX ix_vouchers_word_number ON vouchers (ledger_id, period, word, word_number);
-- statement
CREATE INDEX ix_vouchers_closing ON vouchers (ledger_id, period) WHERE kind = 'closing';
-- statement
CREATE INDEX ix_vouchers_reversals ON vouchers (ledger_id, period) WHERE reversal_of_id IS NOT NULL;
-- statement
ALTER TABLE voucher_reviews ADD CONSTRAINT fk_voucher_reviews_voucher_ledger FOREIGN KEY (ledger_id, voucher_id) REFERENCES vouchers(ledger_id, id) ON DELETE RESTRICT;
-- statement
ALTER TABLE voucher_withdrawals ADD CONSTRAINT fk_voucher_withdrawals_voucher_ledger FOREIGN KEY (ledger_id, voucher_id) REFERENCES vouchers(ledger_id, id) ON DELETE RESTRICT;
-- statement
ALTER TABLE bank_line_vouchers ADD CONSTRAINT fk_bank_line_vouchers_voucher_ledger FOREIGN KEY (ledger_id, voucher_id) REFERENCES vouchers(ledger_id, id) ON DELETE RESTRICT;
-- statement
-- The guards of the journal, as the newest revision on the chain left each of them (0001, 0005, 0008, 0009, 0020), on the new tables.
CREATE TRIGGER trg_postings_no_update BEFORE UPDATE ON postings FOR EACH ROW EXECUTE FUNCTION fl_refuse('immutable_voucher', 'postings are never updated; post a reversal');
-- statement
CREATE TRIGGER trg_postings_no_delete BEFORE DELETE ON postings FOR EACH ROW EXECUTE FUNCTION fl_refuse('immutable_voucher', 'postings are never deleted; post a reversal');
-- statement
CREATE TRIGGER trg_postings_no_truncate BEFORE TRUNCATE ON postings FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'postings are never deleted');
-- statement
CREATE TRIGGER trg_vouchers_no_update BEFORE UPDATE ON vouchers FOR EACH ROW EXECUTE FUNCTION fl_refuse('immutable_voucher', 'vouchers are never updated; post a reversal');
-- statement
CREATE TRIGGER trg_vouchers_no_delete BEFORE DELETE ON vouchers FOR EACH ROW EXECUTE FUNCTION fl_refuse('immutable_voucher', 'vouchers are never deleted; post a reversal');
-- statement
CREATE TRIGGER trg_vouchers_no_truncate BEFORE TRUNCATE ON vouchers FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'vouchers are never deleted');
-- statement
CREATE TRIGGER trg_postings_insert_guard AFTER INSERT ON postings REFERENCING NEW TABLE AS new_postings FOR EACH STATEMENT EXECUTE FUNCTION fl_postings_insert_guard();
-- statement
CREATE TRIGGER trg_vouchers_insert_guard AFTER INSERT ON vouchers REFERENCING NEW TABLE AS new_vouchers FOR EACH STATEMENT EXECUTE FUNCTION fl_vouchers_insert_guard();
-- statement
CREATE TRIGGER trg_vouchers_reversal_not_withdrawn AFTER INSERT ON vouchers REFERENCING NEW TABLE AS new_vouchers FOR EACH STATEMENT EXECUTE FUNCTION fl_vouchers_reversal_not_withdrawn();
-- statement
CREATE TRIGGER trg_vouchers_word_guard AFTER INSERT ON vouchers REFERENCING NEW TABLE AS new_vouchers FOR EACH STATEMENT EXECUTE FUNCTION fl_vouchers_word_guard();
-- statement
CREATE TRIGGER trg_vouchers_identity BEFORE INSERT ON vouchers FOR EACH ROW EXECUTE FUNCTION fl_vouchers_identity();
-- statement
CREATE TRIGGER trg_vouchers_adoption_guard AFTER INSERT ON vouchers REFERENCING NEW TABLE AS new_vouchers FOR EACH STATEMENT EXECUTE FUNCTION fl_vouchers_adoption_guard();
-- statement
-- A partition is written only through its root: the root's statement guards (over its transition
-- tables) do not fire for a statement aimed at a partition, so such a statement is refused outright.
CREATE TRIGGER trg_vouchers_p0_through_root BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON vouchers_p0 FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'vouchers are written through vouchers, never through a partition');
-- statement
CREATE TRIGGER trg_vouchers_p1_through_root BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON vouchers_p1 FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'vouchers are written through vouchers, never through a partition');
-- statement
CREATE TRIGGER trg_vouchers_p2_through_root BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON vouchers_p2 FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'vouchers are written through vouchers, never through a partition');
-- statement
CREATE TRIGGER trg_vouchers_p3_through_root BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON vouchers_p3 FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'vouchers are written through vouchers, never through a partition');
-- statement
CREATE TRIGGER trg_vouchers_p4_through_root BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON vouchers_p4 FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'vouchers are written through vouchers, never through a partition');
-- statement
CREATE TRIGGER trg_vouchers_p5_through_root BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON vouchers_p5 FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'vouchers are written through vouchers, never through a partition');
-- statement
CREATE TRIGGER trg_vouchers_p6_through_root BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON vouchers_p6 FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'vouchers are written through vouchers, never through a partition');
-- statement
CREATE TRIGGER trg_vouchers_p7_through_root BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON vouchers_p7 FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'vouchers are written through vouchers, never through a partition');
-- statement
CREATE TRIGGER trg_postings_p0_through_root BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON postings_p0 FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'postings are written through postings, never through a partition');
-- statement
CREATE TRIGGER trg_postings_p1_through_root BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON postings_p1 FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'postings are written through postings, never through a partition');
-- statement
CREATE TRIGGER trg_postings_p2_through_root BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON postings_p2 FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'postings are written through postings, never through a partition');
-- statement
CREATE TRIGGER trg_postings_p3_through_root BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON postings_p3 FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'postings are written through postings, never through a partition');
-- statement
CREATE TRIGGER trg_postings_p4_through_root BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON postings_p4 FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'postings are written through postings, never through a partition');
-- statement
CREATE TRIGGER trg_postings_p5_through_root BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON postings_p5 FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'postings are written through postings, never through a partition');
-- statement
CREATE TRIGGER trg_postings_p6_through_root BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON postings_p6 FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'postings are written through postings, never through a partition');
-- statement
CREATE TRIGGER trg_postings_p7_through_root BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON postings_p7 FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'postings are written through postings, never through a partition');
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
