"""PostgreSQL's claim statement: flat in the backlog whatever the planner's statistics say.

``base.CLAIM_SQL`` leaves the plan to the planner: with statistics from a quiet queue (few unfinished jobs,
or none yet: a table that just filled) it estimates one candidate, filters *every* due job through the
per-issue probe and sorts them (a bitmap scan of ``jobs_claim_idx``, then Sort: 35 ms at 10,000 pending
jobs against 0.3 at 100). Here the unfinished jobs are walked in id order by a recursive CTE, one
``ORDER BY id LIMIT 1`` index step of ``jobs_active_idx`` at a time, each job then read by its ctid (a TID
scan: the one row, never an index the estimates happen to favour); PostgreSQL evaluates a WITH query only
as far as its reader fetches, so the walk stops at the ``limit``-th claimable job: one probe of
``jobs_ordering_idx`` per job walked past, never a sort, whatever the estimates. The conditions, the
``FOR UPDATE SKIP LOCKED`` and the single statement are ``base.CLAIM_SQL``'s (see ``bot.store.postgres``
for why the claim is correct with concurrent claimers); the rows come back in no particular order
(``claim`` sorts them by id).
"""

from __future__ import annotations

from .base import JOB_COLUMNS

# $1 owner, $2 lease_expires, $3 now, $4 limit
PG_CLAIM_SQL = f"""
WITH RECURSIVE walk(id, tid) AS (
    (SELECT a.id, a.ctid FROM jobs AS a WHERE a.status IN ('pending', 'running') ORDER BY a.id LIMIT 1)
    UNION ALL
    SELECT n.id, n.ctid FROM walk, LATERAL (
        SELECT a.id, a.ctid FROM jobs AS a WHERE a.status IN ('pending', 'running') AND a.id > walk.id
        ORDER BY a.id LIMIT 1) AS n
)
UPDATE jobs SET
    status        = 'running',
    lease_owner   = $1,
    lease_expires = $2,
    attempts      = attempts + 1,
    rescheduled   = FALSE,
    updated_at    = $3
WHERE id IN (
    SELECT c.id FROM walk, LATERAL (
    SELECT j.id FROM jobs AS j
    WHERE j.ctid = walk.tid AND j.status IN ('pending', 'running')
      AND j.run_at <= $3
      AND (j.status = 'pending' OR (j.status = 'running' AND j.lease_expires <= $3))
      AND (j.ordering_key IS NULL OR NOT EXISTS (
            SELECT 1 FROM jobs AS e
            WHERE e.ordering_key = j.ordering_key AND e.status IN ('pending', 'running') AND e.id <> j.id
              AND (   (e.status = 'running' AND e.lease_expires > $3)
                   OR (e.id < j.id AND e.status = 'running')
                   OR (e.id < j.id AND e.status = 'pending' AND (e.kind = 'webhook' OR e.run_at <= $3)))))
    FOR UPDATE OF j SKIP LOCKED) AS c  -- a locking subquery is never pulled up: one probe per walked job
    LIMIT $4
)
RETURNING {JOB_COLUMNS}
"""
