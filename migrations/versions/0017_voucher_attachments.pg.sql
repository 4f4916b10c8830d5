-- Revision 0017, PostgreSQL: 附件张数 (vouchers.attachments), a count 0..9999 with its CHECK; a count
-- on a voucher whose hash version does not cover it (1 or 2) is refused.

-- statement
ALTER TABLE vouchers ADD COLUMN attachments INTEGER NOT NULL DEFAULT 0
    CONSTRAINT ck_vouchers_attachments
    CHECK (attachments BETWEEN 0 AND 9999 AND (attachments = 0 OR hash_version >= 3));
