// The config the container image and the systemd unit start with (Dockerfile,
// deploy/switchyard.service): one listener, one round-robin pool, the admin on loopback (its
// /ping is the image's HEALTHCHECK). Mount or install your own at /etc/switchyard/routes.config.ts;
// every key is in docs/configuration.md. The variables below fit a container without editing.
import { defineConfig } from 'switchyard';

const env = process.env;
const backends = (env.SWITCHYARD_BACKENDS ?? 'http://127.0.0.1:8000').split(',').map((s) => s.trim()).filter(Boolean);

export default defineConfig({
  listen: { host: env.SWITCHYARD_HOST ?? '0.0.0.0', port: Number(env.SWITCHYARD_PORT ?? 8080) },
  // loopback only: the HEALTHCHECK runs inside the container; set a token before exposing it
  admin: { host: '127.0.0.1', port: Number(env.SWITCHYARD_ADMIN_PORT ?? 9090), token: env.SWITCHYARD_ADMIN_TOKEN },
  pools: {
    web: { scheduler: 'rr', backends, health: { path: env.SWITCHYARD_HEALTH_PATH ?? '/', interval: 5000, timeout: 2000 } },
  },
  routes: [{ name: 'all', match: {}, pool: 'web' }],
});
