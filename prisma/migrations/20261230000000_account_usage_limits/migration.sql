-- The plan usage limits a CLI last reported for its account (`update-usage-limits`, served by
-- GET /v1/usage/limits; spec workers.md §1.11, §2.4). The Workers variant kept them in its
-- per-user Durable Object; here one row per account, beside upstream's tables, so they survive
-- restarts and every node reads the same. `value` is the validated payload, nothing else.
CREATE TABLE "AccountUsageLimits" (
    "accountId" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "lastUpdatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "AccountUsageLimits_pkey" PRIMARY KEY ("accountId"),
    CONSTRAINT "AccountUsageLimits_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
