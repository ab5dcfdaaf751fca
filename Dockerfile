# kucoin-gateway. Two stages: the build stage has the dev dependencies (tsc)
# and compiles src/ to dist/; the runtime stage has production dependencies,
# dist/, openapi.yaml and schema/ only, and runs as the unprivileged `node` user.
#
#   docker build -t kucoin-gateway .
#   docker run --rm -p 8080:8080 -e KGW_TOKENS=... kucoin-gateway [--simulate]
#
# Node 24 is the Active LTS line; package.json's engines (>=20.19) allows it.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies first, so source edits reuse this layer. No install scripts:
# the only package with one is esbuild (tsx's), which the build does not run.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
# The build is tsc over src/ alone: generated files are committed, so
# nothing here needs ../shared (only `npm run gen` reads KuCoin's spec).
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Served at /openapi.yaml and rendered at /docs; the GraphQL SDL is read at start (both beside dist/).
COPY openapi.yaml ./
COPY schema ./schema
# Files stay root-owned and read-only to the process; it writes nothing to disk.
USER node
EXPOSE 8080
# Slim images have no curl: Node's own fetch asks /healthz (process alive).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 and handles SIGTERM itself (graceful close within 10 s).
ENTRYPOINT ["node", "dist/server.js"]
