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
-- Planning the statement below for each call's arguments cost three times its execution; one
-- generic plan per connection serves every batch.
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
    -- Sessions first, then accounts, each in id order: the order every writer takes them in,
    -- so concurrent batches (and other writers) cannot deadlock with this one.
    PERFORM 1 FROM "Session" WHERE "Session"."id" = ANY (p_sessions) ORDER BY "Session"."id" FOR UPDATE;
    PERFORM 1 FROM "Account" WHERE "Account"."id" = ANY (p_accounts) ORDER BY "Account"."id" FOR UPDATE;

    RETURN QUERY
    WITH input AS (
        SELECT i AS ord, p_accounts[i] AS account_id, p_sessions[i] AS session_id,
               p_local_ids[i] AS local_id, p_contents[i] AS content, p_ids[i] AS new_id
        FROM generate_subscripts(p_sessions, 1) AS i
    ),
    valid AS (
        SELECT input.* FROM input
        JOIN "Session" s ON s."id" = input.session_id AND s."accountId" = input.account_id
    ),
    existing AS (
        SELECT v.ord, m."id", m."seq", m."localId", m."content", m."createdAt", m."updatedAt"
        FROM valid v
        JOIN "SessionMessage" m ON m."sessionId" = v.session_id AND m."localId" = v.local_id
    ),
    fresh AS (
        SELECT v.*,
               row_number() OVER (PARTITION BY v.session_id ORDER BY v.ord)::INTEGER AS session_rank,
               row_number() OVER (PARTITION BY v.account_id ORDER BY v.ord)::INTEGER AS account_rank
        FROM valid v
        WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.ord = v.ord)
    ),
    session_bump AS (
        UPDATE "Session" s SET "seq" = s."seq" + c.n, "updatedAt" = now()
        FROM (SELECT session_id, count(*)::INTEGER AS n FROM fresh GROUP BY session_id) c
        WHERE s."id" = c.session_id
        RETURNING s."id", s."seq" - c.n AS base
    ),
    account_bump AS (
        UPDATE "Account" a SET "seq" = a."seq" + c.n, "updatedAt" = now()
        FROM (SELECT account_id, count(*)::INTEGER AS n FROM fresh GROUP BY account_id) c
        WHERE a."id" = c.account_id
        RETURNING a."id", a."seq" - c.n AS base
    ),
    inserted AS (
        INSERT INTO "SessionMessage" ("id", "sessionId", "localId", "seq", "content", "createdAt", "updatedAt")
        SELECT f.new_id, f.session_id, f.local_id, sb.base + f.session_rank, f.content::JSONB, now(), now()
        FROM fresh f JOIN session_bump sb ON sb."id" = f.session_id
        RETURNING "SessionMessage"."id", "SessionMessage"."seq", "SessionMessage"."localId",
                  "SessionMessage"."createdAt", "SessionMessage"."updatedAt"
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
