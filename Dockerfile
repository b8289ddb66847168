# Switchyard's container image. Two stages: the first compiles and packs (npm pack ships what
# package.json `files` names), the second installs that pack with the locked runtime
# dependencies only and runs it as the unprivileged `node` user.
# test/e2e/package.test.ts runs this file's ENTRYPOINT, CMD and HEALTHCHECK from a clean pack.

FROM node:22-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json README.md LICENSE ./
COPY src ./src
COPY public ./public
COPY docs ./docs
RUN npm run -s build && npm pack --ignore-scripts --pack-destination /tmp && mv /tmp/switchyard-*.tgz /tmp/switchyard.tgz

FROM node:22-slim
ENV NODE_ENV=production
WORKDIR /opt/switchyard
COPY --from=build /tmp/switchyard.tgz /tmp/switchyard.tgz
COPY package-lock.json ./
RUN tar -xzf /tmp/switchyard.tgz --strip-components=1 \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm /tmp/switchyard.tgz && npm cache clean --force
COPY deploy/routes.config.ts /etc/switchyard/routes.config.ts
USER node
EXPOSE 8080
# the admin's /ping (loopback inside the container; no token needed)
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.SWITCHYARD_ADMIN_PORT || 9090) + '/ping').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains in-flight requests; SIGHUP reloads the config (docs/operations.md)
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/opt/switchyard/dist/cli/main.js"]
CMD ["start", "-c", "/etc/switchyard/routes.config.ts"]
