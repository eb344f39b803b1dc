-- The presence timeout sweep looks for active rows with an old lastActiveAt every minute;
-- upstream scanned both tables in full (spec storage.md §9 P1). Partial indexes stay tiny.
CREATE INDEX IF NOT EXISTS "Session_active_lastActiveAt_idx" ON "Session"("lastActiveAt") WHERE "active";
CREATE INDEX IF NOT EXISTS "Machine_active_lastActiveAt_idx" ON "Machine"("lastActiveAt") WHERE "active";
