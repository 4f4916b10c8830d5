-- Revision 0009 down, PostgreSQL: drop the adoption and identity guards and their functions.

-- statement
DROP TRIGGER trg_periods_adoption ON periods;
-- statement
DROP FUNCTION fl_periods_adoption();
-- statement
DROP TRIGGER trg_ledgers_adopted_from ON ledgers;
-- statement
DROP FUNCTION fl_ledgers_adopted_from();
-- statement
DROP TRIGGER trg_periods_identity ON periods;
-- statement
DROP FUNCTION fl_periods_identity();
-- statement
DROP TRIGGER trg_audit_events_identity ON audit_events;
-- statement
DROP FUNCTION fl_audit_events_identity();
-- statement
DROP TRIGGER trg_vouchers_adoption_guard ON vouchers;
-- statement
DROP FUNCTION fl_vouchers_adoption_guard();
-- statement
DROP TRIGGER trg_voucher_reviews_identity ON voucher_reviews;
-- statement
DROP FUNCTION fl_voucher_reviews_identity();
-- statement
DROP TRIGGER trg_vouchers_identity ON vouchers;
-- statement
DROP FUNCTION fl_vouchers_identity();
-- statement
DROP FUNCTION fl_is_clerk();
-- statement
DROP FUNCTION fl_staff_role(text);
