-- deploy.sql: production deploys and their rehearsal: CALL mig_deploy
-- (a commit after each step, non-transactional revisions outside any
-- transaction block); mig_test, mig_rehearse and mig_verify, which run the
-- upgrade for real inside a subtransaction that is always rolled back.
-- Their comments are in comments.sql, their rights in privileges.sql.

CREATE OR REPLACE PROCEDURE mig_deploy(target text DEFAULT 'head', lock_timeout interval DEFAULT NULL,
                                       max_retries integer DEFAULT 0)
AS 'MODULE_PATHNAME', 'mig_deploy'
LANGUAGE C;

CREATE OR REPLACE FUNCTION mig_test(target text DEFAULT 'heads')
RETURNS TABLE (revision text, "check" text, ok boolean, detail text)
AS 'MODULE_PATHNAME', 'mig_test'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION mig_rehearse(target text DEFAULT 'head')
RETURNS TABLE (step int, revision text, direction text, duration interval,
               locks text[], rewrites text[], detail text, advice text)
AS 'MODULE_PATHNAME', 'mig_rehearse'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION mig_verify(target text DEFAULT 'heads')
RETURNS TABLE (revision text, ok boolean, detail text)
AS 'MODULE_PATHNAME', 'mig_verify'
LANGUAGE C VOLATILE;
