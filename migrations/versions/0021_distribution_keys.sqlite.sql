-- Revision 0021, SQLite: bank_line_vouchers gains its ledger, and reaches its voucher by (ledger_id,
-- voucher_id) as every other reference to a voucher does. The vouchers and postings tables keep
-- their rowid keys here (SQLite is never distributed; see docs/scale.md).

-- statement
ALTER TABLE bank_line_vouchers RENAME TO bank_line_vouchers_old;
-- statement
CREATE TABLE bank_line_vouchers (
	id INTEGER NOT NULL, 
	statement_line_id INTEGER NOT NULL, 
	voucher_id INTEGER NOT NULL, 
	rule VARCHAR(64) NOT NULL, 
	created_by VARCHAR(100) NOT NULL, 
	created_at DATETIME NOT NULL, 
	ledger_id INTEGER NOT NULL, 
	CONSTRAINT pk_bank_line_vouchers PRIMARY KEY (id), 
	CONSTRAINT fk_bank_line_vouchers_statement_line_id_bank_statement_lines FOREIGN KEY(statement_line_id) REFERENCES bank_statement_lines (id) ON DELETE RESTRICT, 
	CONSTRAINT fk_bank_line_vouchers_voucher_ledger FOREIGN KEY(ledger_id, voucher_id) REFERENCES vouchers (ledger_id, id) ON DELETE RESTRICT, 
	CONSTRAINT uq_bank_line_vouchers_statement_line_id UNIQUE (statement_line_id)
);
-- statement
INSERT INTO bank_line_vouchers (id, statement_line_id, voucher_id, rule, created_by, created_at, ledger_id)
    SELECT b.id, b.statement_line_id, b.voucher_id, b.rule, b.created_by, b.created_at, v.ledger_id
      FROM bank_line_vouchers_old b JOIN vouchers v ON v.id = b.voucher_id ORDER BY b.id;
-- statement
DROP TABLE bank_line_vouchers_old;
-- statement
CREATE INDEX ix_bank_line_vouchers_voucher_id ON bank_line_vouchers (voucher_id);
-- statement
-- Its guards, as revisions 0004 and 0016 left them, on the new table.
CREATE TRIGGER trg_bank_line_vouchers_no_update BEFORE UPDATE ON bank_line_vouchers
    BEGIN SELECT RAISE(ABORT,
      'fundledger:immutable_statement: links from statement lines to vouchers are never updated'); END;
-- statement
CREATE TRIGGER trg_bank_line_vouchers_no_delete BEFORE DELETE ON bank_line_vouchers
    BEGIN SELECT RAISE(ABORT,
      'fundledger:immutable_statement: links from statement lines to vouchers are never deleted'); END;
-- statement
CREATE TRIGGER trg_bank_line_vouchers_text_length2_insert BEFORE INSERT ON bank_line_vouchers
    WHEN length(NEW.created_by) > 100
        OR length(NEW.rule) > 64
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: bank_line_vouchers (created_by 100, rule 64 characters at most)'); END;
-- statement
CREATE TRIGGER trg_bank_line_vouchers_text_length2_update BEFORE UPDATE OF created_by, rule ON bank_line_vouchers
    WHEN length(NEW.created_by) > 100
        OR length(NEW.rule) > 64
    BEGIN SELECT RAISE(ABORT, 'fundledger:text_length: bank_line_vouchers (created_by 100, rule 64 characters at most)'); END;
