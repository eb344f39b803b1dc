# syntax=docker/dockerfile:1
# The server in one image: embedded PGlite in the /data volume by default; set DATABASE_URL
# (with HANDY_MASTER_SECRET), REDIS_URL and S3_* for Postgres, several nodes and object storage
# (docker-compose.yml). HAPPY_STATIC_DIR serves a built web app from the same port.

# Build: every dependency (the Prisma CLI generates the client), then the esbuild bundle that
# `npm start` would otherwise make at first boot, then only the runtime dependencies stay.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts tsconfig.json ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY sources ./sources
RUN node scripts/start.mjs bundle \
    && npm prune --omit=dev --no-audit --no-fund \
    && npm cache clean --force

# Runtime: no compiler, no dev dependencies; the bundle runs as it is.
FROM node:20-slim AS runtime
ENV NODE_ENV=production DATA_DIR=/data PORT=3005 METRICS_PORT=9090
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/scripts ./scripts
# The generated Prisma client and the sources the bundle was made from (its stack traces name them).
COPY --from=build /app/sources ./sources
# `happy-server <command>` inside the container: doctor, backup, accounts revoke-tokens ...
RUN chmod +x node_modules/.cache/happy-server/main.mjs \
    && ln -s /app/node_modules/.cache/happy-server/main.mjs /usr/local/bin/happy-server \
    && mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3005 9090
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["node", "scripts/healthcheck.mjs"]
ENTRYPOINT ["happy-server"]
CMD ["serve"]
