-- The message append path in one statement (one round trip per group-commit batch; before, a
-- batch was six or seven round trips). Input: one element per message, in arrival order, with
-- repeated (account, session, localId) triples already removed by the caller. Output: one row
-- per message whose session belongs to its account: the stored message (its content only when it
-- existed before; the caller knows what it just sent), and the account update seq of its
-- `new-message` (NULL when a message with that localId already existed).
--
-- Called in an implicit transaction under READ COMMITTED. Each statement below takes a new
-- snapshot, so once the session locks are held the localId lookup sees every message that a
-- concurrent appender (on this node or another) committed before us.
CREATE OR REPLACE FUNCTION "happy_append_messages"(
    p_accounts TEXT[],
    p_sessions TEXT[],
    p_local_ids TEXT[],
    p_contents TEXT[],
    p_ids TEXT[]
) RETURNS TABLE (
    "ord" INTEGER,
    "id" TEXT,
    "seq" INTEGER,
    "localId" TEXT,
    "content" JSONB,
    "createdAt" DOUBLE PRECISION,
    "updatedAt" DOUBLE PRECISION,
    "userSeq" INTEGER
) LANGUAGE plpgsql
-- Planning the statement below for each call's arguments cost more than running it, so one
-- generic plan per connection serves every batch. A generic plan is made once, maybe while the
-- tables are still empty, and would keep scanning them whole as they grow: every table access
-- below is written as a lookup by key per input row (OFFSET 0 subqueries, `= ANY` arrays), which
-- no join can replace, and sequential scans are off, so each one is an index lookup.
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
#variable_conflict use_column
BEGIN
    -- Sessions first, in id order; their accounts last (below). Every writer takes a session
    -- before its account, so concurrent batches (and other writers) cannot deadlock with this one.
    PERFORM 1 FROM "Session" WHERE "Session"."id" = ANY (p_sessions) ORDER BY "Session"."id" FOR UPDATE;

    RETURN QUERY
    WITH input AS (
        SELECT i AS ord, p_accounts[i] AS account_id, p_sessions[i] AS session_id,
               p_local_ids[i] AS local_id, p_contents[i] AS content, p_ids[i] AS new_id
        FROM generate_subscripts(p_sessions, 1) AS i
    ),
    -- OFFSET 0 keeps each lookup a subquery run per input row, by key, whatever the planner
    -- believes about the tables' sizes (see the note on plans above).
    valid AS (
        SELECT input.* FROM input
        WHERE EXISTS (
            SELECT 1 FROM "Session" s WHERE s."id" = input.session_id AND s."accountId" = input.account_id OFFSET 0
        )
    ),
    existing AS (
        SELECT v.ord, m.*
        FROM valid v
        CROSS JOIN LATERAL (
            SELECT m."id", m."seq", m."localId", m."content", m."createdAt", m."updatedAt"
            FROM "SessionMessage" m
            WHERE m."sessionId" = v.session_id AND m."localId" = v.local_id
            OFFSET 0
        ) m
    ),
    fresh AS (
        SELECT v.*,
               row_number() OVER (PARTITION BY v.session_id ORDER BY v.ord)::INTEGER AS session_rank,
               row_number() OVER (PARTITION BY v.account_id ORDER BY v.ord)::INTEGER AS account_rank
        FROM valid v
        WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.ord = v.ord)
    ),
    session_counts AS (
        SELECT f.session_id, count(*)::INTEGER AS n FROM fresh f GROUP BY f.session_id
    ),
    session_bump AS (
        UPDATE "Session" s
        SET "seq" = s."seq" + (SELECT c.n FROM session_counts c WHERE c.session_id = s."id"), "updatedAt" = now()
        WHERE s."id" = ANY (ARRAY(SELECT c.session_id FROM session_counts c))
        RETURNING s."id", s."seq" - (SELECT c.n FROM session_counts c WHERE c.session_id = s."id") AS base
    ),
    inserted AS (
        INSERT INTO "SessionMessage" ("id", "sessionId", "localId", "seq", "content", "createdAt", "updatedAt")
        SELECT f.new_id, f.session_id, f.local_id, sb.base + f.session_rank, f.content::JSONB, now(), now()
        FROM fresh f JOIN session_bump sb ON sb."id" = f.session_id
        RETURNING "SessionMessage"."id", "SessionMessage"."seq", "SessionMessage"."localId",
                  "SessionMessage"."createdAt", "SessionMessage"."updatedAt"
    ),
    -- Counted from what was inserted, so the account update below runs after the inserts: the
    -- account rows (shared by all of an account's sessions) stay locked only from there to the
    -- commit, and batches of other sessions of the account do their inserts meanwhile.
    account_counts AS (
        SELECT f.account_id, count(*)::INTEGER AS n FROM fresh f JOIN inserted i ON i."id" = f.new_id GROUP BY f.account_id
    ),
    account_bump AS (
        UPDATE "Account" a
        SET "seq" = a."seq" + (SELECT c.n FROM account_counts c WHERE c.account_id = a."id"), "updatedAt" = now()
        WHERE a."id" = ANY (ARRAY(SELECT c.account_id FROM account_counts c))
        RETURNING a."id", a."seq" - (SELECT c.n FROM account_counts c WHERE c.account_id = a."id") AS base
    )
    SELECT e.ord, e."id", e."seq", e."localId", e."content",
           (extract(epoch FROM e."createdAt") * 1000)::DOUBLE PRECISION,
           (extract(epoch FROM e."updatedAt") * 1000)::DOUBLE PRECISION, NULL::INTEGER
    FROM existing e
    UNION ALL
    SELECT f.ord, i."id", i."seq", i."localId", NULL::JSONB,
           (extract(epoch FROM i."createdAt") * 1000)::DOUBLE PRECISION,
           (extract(epoch FROM i."updatedAt") * 1000)::DOUBLE PRECISION,
           ab.base + f.account_rank
    FROM fresh f
    JOIN inserted i ON i."id" = f.new_id
    JOIN account_bump ab ON ab."id" = f.account_id;
END
$$;
