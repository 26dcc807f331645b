# syntax=docker/dockerfile:1
# One multi-stage build for every service of the project; docker-compose.yml picks a target per
# service (README, "Full profile (docker compose)"). Stages:
#   deps              npm ci (every workspace), mediasoup's download-a-worker postinstall disabled
#   build             tsc -b and the web page's bundle (`npm run build`)
#   mediasoup-worker  the SFU's C++ worker, built against Debian's libraries exactly as
#                     scripts/build-mediasoup-worker.mjs builds it on a machine (same patches)
#   app               the built repo on the slim Node image, run as the unprivileged `node` user
#   <service>         one target per service: app + its command (sfu-node adds ffmpeg and the worker)
# No image is built in this repository's CI (no engine there): see the README section.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# With MEDIASOUP_WORKER_BIN set, mediasoup's postinstall neither downloads a prebuilt worker from
# GitHub nor compiles one: the mediasoup-worker stage builds it (the recipe the tests ran against).
ENV MEDIASOUP_WORKER_BIN=/bin/true
COPY package.json package-lock.json ./
COPY events/package.json events/
COPY db/package.json db/
COPY storage/package.json storage/
COPY command-service/package.json command-service/
COPY projection-workers/package.json projection-workers/
COPY query-api/package.json query-api/
COPY notification-worker/package.json notification-worker/
COPY sfu-node/package.json sfu-node/
COPY web-client/package.json web-client/
COPY ai-worker/package.json ai-worker/
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY . .
RUN npm run build

FROM deps AS mediasoup-worker
ENV MEDIASOUP_WORKER_CACHE=/opt/mediasoup-cache
COPY scripts/build-mediasoup-worker.mjs scripts/mediasoup-worker-path.mjs scripts/
COPY infra/mediasoup infra/mediasoup
# The script installs its Debian build packages itself (as root, which a build runs as) and
# prints the binary's path; it checks that the binary runs before it caches it.
RUN apt-get update \
  && node scripts/build-mediasoup-worker.mjs > /tmp/worker-path \
  && cp "$(cat /tmp/worker-path)" /usr/local/bin/mediasoup-worker

FROM ${NODE_IMAGE} AS app
WORKDIR /app
ENV NODE_ENV=production
# The whole built tree: node_modules keeps the workspace links (@meetings/* → the workspaces'
# dist). Dev packages stay: pruning them was not tried without an engine to test the result.
COPY --from=build /app /app
USER node

FROM app AS migrate
CMD ["node", "db/dist/cli/migrate.js", "latest"]

FROM app AS command-service
EXPOSE 3000
CMD ["node", "command-service/dist/main.js"]

FROM app AS projection-workers
CMD ["node", "--max-semi-space-size=64", "projection-workers/dist/main.js"]

FROM app AS kafka-relay
CMD ["node", "projection-workers/dist/relay/main.js"]

FROM app AS query-api
EXPOSE 3001
CMD ["node", "query-api/dist/main.js"]

FROM app AS notification-worker
CMD ["node", "notification-worker/dist/main.js"]

FROM app AS ai-worker
CMD ["node", "ai-worker/dist/main.js"]

FROM app AS web-client
EXPOSE 3003
CMD ["node", "web-client/dist/main.js"]

FROM app AS sfu-node
USER root
# ffmpeg records; the other packages are the shared libraries the worker was linked against
# (Debian 12's libuv, OpenSSL, libsrtp2 and abseil; `ldd` of the worker lists nothing else).
RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg libuv1 libssl3 libsrtp2-1 libabsl20220623 \
  && rm -rf /var/lib/apt/lists/*
COPY --from=mediasoup-worker /usr/local/bin/mediasoup-worker /usr/local/bin/mediasoup-worker
# Started alone, a working worker exits with 41 (no channel to a parent): its libraries all load.
RUN /usr/local/bin/mediasoup-worker; test $? -eq 41
# The recordings' directory, owned by `node` so that a named volume mounted there is writable.
RUN mkdir -p /data/recordings && chown node:node /data/recordings
USER node
EXPOSE 3002
CMD ["node", "sfu-node/dist/main.js"]
