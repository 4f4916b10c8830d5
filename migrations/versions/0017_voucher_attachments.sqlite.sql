-- Revision 0017, SQLite: 附件张数 (vouchers.attachments), a whole count 0..9999 with its CHECK; a
-- count on a voucher whose hash version does not cover it (1 or 2) is refused.

-- statement
ALTER TABLE vouchers ADD COLUMN attachments INTEGER NOT NULL DEFAULT 0
    CONSTRAINT ck_vouchers_attachments
    CHECK (attachments BETWEEN 0 AND 9999 AND (attachments = 0 OR hash_version >= 3));
-- statement
-- SQLite's INTEGER affinity keeps 2.5 or '3 张' as given, and text sorts above every number.
CREATE TRIGGER trg_vouchers_attachments BEFORE INSERT ON vouchers
    WHEN typeof(NEW.attachments) <> 'integer'
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:attachments: 附件张数 must be a whole number from 0 to 9999');
    END;
