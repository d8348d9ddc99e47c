# syntax=docker/dockerfile:1
# tacstream on Bun: docs/deploy.md. Build: `docker build -t tacstream .`
# Run:   `docker run -p 8080:8080 -v tacstream-data:/data tacstream`   (embedded journal in /data)
#        `docker run -p 8080:8080 -e NATS_URL=nats://nats:4222 tacstream`  (JetStream journal)
# Stop:  `docker stop -t 10 <id>` — SIGTERM drains (DRAIN_TIMEOUT_MS, 8 s) before the exit.
ARG BUN_VERSION=1.4.5

# Production dependencies only. Bun reads npm's package-lock.json (it migrates it in memory and writes
# no bun.lock), and --frozen-lockfile fails the build when package.json and the lock disagree. Optional
# peers are left out: TypeScript alone would add 23 MB. No install scripts are needed at run time.
FROM oven/bun:${BUN_VERSION}-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN bun install --frozen-lockfile --production --omit=peer --ignore-scripts

# Bun runs the TypeScript sources as they are: no build step, nothing else in the image.
FROM oven/bun:${BUN_VERSION}-slim
WORKDIR /app
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0 DATA_DIR=/data DRAIN_TIMEOUT_MS=8000
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
# The image's own unprivileged user (uid 1000) owns only the data directory.
RUN mkdir -p /data && chown bun:bun /data
USER bun
VOLUME /data
EXPOSE 8080
STOPSIGNAL SIGTERM
# Slim images have no curl: Bun's fetch asks /health.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["bun", "-e", "const r = await fetch(`http://127.0.0.1:${process.env.PORT}/health`).catch(() => null); process.exit(r?.ok ? 0 : 1)"]
CMD ["bun", "src/runtime/bun.ts"]
