-- Per account, the time before which its bearer tokens are refused (`happy-server accounts
-- revoke-tokens`); tokens carry their issue time (iat), so no token store is needed and tokens
-- of accounts never revoked stay valid. A table beside upstream's Account, which stays as it is.
CREATE TABLE "AccountTokenRevocation" (
    "accountId" TEXT NOT NULL,
    "revokedBefore" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "AccountTokenRevocation_pkey" PRIMARY KEY ("accountId"),
    CONSTRAINT "AccountTokenRevocation_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
