# syntax=docker/dockerfile:1
# The app image of docker-compose.yml (`build: .`, `command: ["npm", "start"]`). Not built on the
# development machines (no Docker engine there); tests/dockerfile.test.ts checks what it can.

# ---- dependencies: production only (tsx, which `npm start` runs, is a production dependency) ----
FROM node:20-bookworm-slim AS deps
WORKDIR /app
# Every workspace's package.json first, so this layer is rebuilt only when dependencies change.
COPY package.json package-lock.json ./
COPY contracts/package.json contracts/
COPY services/config/package.json services/config/
COPY services/database/package.json services/database/
COPY services/domain/package.json services/domain/
COPY services/ledger/package.json services/ledger/
COPY services/blobs/package.json services/blobs/
COPY services/tables/package.json services/tables/
COPY services/pipelines/package.json services/pipelines/
COPY services/jobs/package.json services/jobs/
COPY services/api/package.json services/api/
COPY projections/package.json projections/
COPY web/package.json web/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- runtime: the source and those modules, run as the unprivileged `node` user ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/var/lib/pz
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
# The data folder (embedded database, hash store, generated secret) is the only place written.
RUN mkdir -p /var/lib/pz/blobs && chown -R node:node /var/lib/pz
USER node
VOLUME ["/var/lib/pz"]
EXPOSE 8000
# Any answer from the API root (401 without a token) means the server is up.
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/api/').then((r) => process.exit(r.status < 500 ? 0 : 1), () => process.exit(1))"]
CMD ["npm", "start"]
