-- Usage reports without a session (spec realtime.md §7.7, §15): NULLs never conflict in upstream's
-- unique key (accountId, sessionId, key), so such reports could not be upserted. This partial
-- index gives them one row per (account, key) that INSERT ... ON CONFLICT can target.
-- Duplicates could only come from ON DELETE SET NULL of a session; the newest one is kept.
DELETE FROM "UsageReport" AS older
USING "UsageReport" AS newer
WHERE older."sessionId" IS NULL AND newer."sessionId" IS NULL
  AND older."accountId" = newer."accountId" AND older."key" = newer."key"
  AND (older."updatedAt", older."id") < (newer."updatedAt", newer."id");
CREATE UNIQUE INDEX IF NOT EXISTS "UsageReport_accountId_key_key" ON "UsageReport"("accountId", "key") WHERE "sessionId" IS NULL;
