# Production image: embedded PGlite by default (mount /data), Postgres with DATABASE_URL.
FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts ./scripts
COPY prisma ./prisma
# Dev dependencies are needed once, to generate the Prisma client; then they go.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev && npm cache clean --force
ENV NODE_ENV=production DATA_DIR=/data PORT=3005
COPY tsconfig.json ./
COPY sources ./sources
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3005
CMD ["npx", "tsx", "sources/main.ts", "serve"]
