// The deployment files of issue 16 that the e2e pack test does not run: the systemd unit
// (restart on failure, reload by SIGHUP, hardening, the same entry point as the image) and the
// .dockerignore (keeps tests and benchmarks out, never what the Dockerfile copies).
// systemd-analyze verify runs in test/e2e/systemd-unit.test.ts (it needs systemd installed).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');

/** `Key=value` lines of a unit file, by key (a key may repeat). */
function unitKeys(text: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) keys.set(m[1]!, [...(keys.get(m[1]!) ?? []), m[2]!]);
  }
  return keys;
}

describe('deploy/switchyard.service', () => {
  const text = read('deploy/switchyard.service');
  const keys = unitKeys(text);
  const one = (k: string) => keys.get(k)?.[0];

  it('restarts on failure, reloads with SIGHUP, stops with SIGTERM, starts the compiled CLI', () => {
    expect(one('Restart')).toBe('on-failure');
    expect(one('ExecReload')).toMatch(/^\/bin\/kill -HUP \$MAINPID$/);
    expect(one('KillSignal')).toBe('SIGTERM');
    // the image's entry point (Dockerfile) and the package's bin (package.json)
    const bin = (JSON.parse(read('package.json')) as { bin: Record<string, string> }).bin.switchyard!;
    expect(one('ExecStart')).toContain(`/opt/switchyard/${bin} start -c /etc/switchyard/routes.config.ts`);
    expect(read('Dockerfile')).toContain(`"/opt/switchyard/${bin}"`);
  });

  it('runs unprivileged and hardened', () => {
    for (const [k, v] of Object.entries({
      DynamicUser: 'yes', NoNewPrivileges: 'yes', ProtectSystem: 'strict', ProtectHome: 'yes', PrivateTmp: 'yes',
      PrivateDevices: 'yes', RestrictSUIDSGID: 'yes', CapabilityBoundingSet: 'CAP_NET_BIND_SERVICE',
    })) expect(one(k), k).toBe(v);
    expect(one('RestrictAddressFamilies')?.split(' ').sort()).toEqual(['AF_INET', 'AF_INET6', 'AF_UNIX']);
  });
});

describe('.dockerignore', () => {
  const patterns = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));

  it('leaves out dependencies, builds, tests and benchmarks', () => {
    for (const p of ['node_modules', 'dist', '.git', 'test', 'bench']) expect(patterns).toContain(p);
  });

  it('never leaves out what the Dockerfile copies from the context', () => {
    const sources = [...read('Dockerfile').matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(sources).toContain('src');
    for (const s of sources) {
      expect(existsSync(join(ROOT, s)), s).toBe(true);
      expect(patterns.filter((p) => p === s || s.startsWith(`${p}/`)), s).toEqual([]);
    }
  });
});
