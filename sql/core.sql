-- placeholder replaced by the core suite
CREATE EXTENSION mig_ext;
SELECT count(*) FROM mig_current();
DROP EXTENSION mig_ext;
