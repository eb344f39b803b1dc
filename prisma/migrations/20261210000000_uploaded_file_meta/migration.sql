-- What upstream's UploadedFile has no column for (spec workers.md §2.4: content type, size,
-- original name, category), kept beside it instead of altering the upstream table. One row per
-- file this server stores; it goes with its UploadedFile row. The unique key makes reuse by
-- key race-free per account (upstream looked reuse keys up across accounts, storage.md S8).
CREATE TABLE "UploadedFileMeta" (
    "fileId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "originalName" TEXT NOT NULL,
    "reuseKey" TEXT,
    CONSTRAINT "UploadedFileMeta_pkey" PRIMARY KEY ("fileId"),
    CONSTRAINT "UploadedFileMeta_fileId_fkey" FOREIGN KEY ("fileId") REFERENCES "UploadedFile"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "UploadedFileMeta_accountId_reuseKey_key" ON "UploadedFileMeta"("accountId", "reuseKey");
