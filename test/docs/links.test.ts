// The docs hold together: every relative link in README.md, CHANGELOG.md and docs/*.md names an
// existing file (and, with #anchor, an existing heading), the README stays a front page that links
// every docs page, and code comments cite pages of this repository (docs/*.md) that exist.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');


const pages = [
  'README.md',
  'CHANGELOG.md',
  ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
];

/** Lines outside fenced code blocks. */
function prose(text: string): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (!fenced) out.push(line);
  }
  return out;
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(readFileSync(file, 'utf8'))) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (m === null) continue;
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

interface Link {
  page: string;
  line: number;
  target: string;
}

function links(page: string): Link[] {
  const out: Link[] = [];
  prose(readFileSync(join(root, page), 'utf8')).forEach((raw, i) => {
    const line = raw.replace(/`[^`]*`/g, '``');
    for (const m of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
      out.push({ page, line: i + 1, target });
    }
  });
  return out;
}

/** Why a link does not resolve, or undefined when it does. */
function broken(link: Link): string | undefined {
  const [path, anchor] = link.target.split('#', 2) as [string, string | undefined];
  const file = path === '' ? join(root, link.page) : resolve(dirname(join(root, link.page)), decodeURI(path));
  const name = relative(root, file);
  if (!existsSync(file)) return `no file ${name}`;
  if (anchor === undefined || anchor === '') return undefined;
  if (statSync(file).isDirectory() || !file.endsWith('.md')) return `#${anchor} on a file that has no headings`;
  return anchors(file).has(anchor) ? undefined : `no heading #${anchor} in ${name}`;
}

describe('docs links', () => {
  const all = pages.flatMap(links);

  it('finds the links it checks', () => {
    expect(pages).toContain('docs/security.md');
    expect(all.length).toBeGreaterThan(60);
    expect(all.filter((l) => l.target.includes('#')).length).toBeGreaterThan(30);
  });

  it('every relative link names an existing file and heading', () => {
    const bad = all.flatMap((l) => {
      const why = broken(l);
      return why === undefined ? [] : [`${l.page}:${l.line} (${l.target}): ${why}`];
    });
    expect(bad).toEqual([]);
  });

  it('computes anchors the way GitHub does', () => {
    expect(slug('`switchyard adm`: the ipvsadm of Switchyard')).toBe('switchyard-adm-the-ipvsadm-of-switchyard');
    expect(slug("The LARD paper's evaluation")).toBe('the-lard-papers-evaluation');
    expect(slug('Sharing pins across instances: `affinity.store`')).toBe('sharing-pins-across-instances-affinitystore');
    expect(slug('`lard` and `lard-r`: locality-aware request distribution')).toBe('lard-and-lard-r-locality-aware-request-distribution');
  });
});

describe('README', () => {
  const text = readFileSync(join(root, 'README.md'), 'utf8');
  const lines = text.split('\n');

  it('opens with the two commands and stays a front page of 150 to 250 lines', () => {
    expect(lines.slice(0, 6).join('\n')).toContain('npm ci && npm start');
    expect(lines.slice(0, 6).join('\n')).toContain('npm test');
    expect(lines.length).toBeGreaterThanOrEqual(150);
    expect(lines.length).toBeLessThanOrEqual(250);
  });

  it('links every docs page, security near the top', () => {
    const targets = new Set(links('README.md').map((l) => l.target.split('#')[0]));
    const docs = pages.filter((p) => p.startsWith('docs/'));
    expect(docs.filter((p) => !targets.has(p))).toEqual([]);
    const first = lines.findIndex((l) => l.includes('](docs/security.md)'));
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(40);
  });
});

describe('code comments cite pages of this repository', () => {
  function sources(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = join(dir, e.name);
      return e.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
    });
  }
  const files = sources(join(root, 'src'));

  it('no comment cites schedulers.md by section or product.md (files outside the repository)', () => {
    const bad = files.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          /^\s*(\/\/|\/\*|\*)/.test(line) && /schedulers\.md\s*§|product\.md|§\d/.test(line)
            ? [`${relative(root, f)}:${i + 1}: ${line.trim()}`]
            : [],
        ),
    );
    expect(bad).toEqual([]);
  });

  it('every docs/*.md#anchor cited in src/ exists', () => {
    const cites = files.flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/docs\/([\w-]+\.md)(#[\w-]+)?/g)].map((m) => ({
        page: relative(root, f),
        line: 0,
        target: `../docs/${m[1]!}${m[2] ?? ''}`,
      })),
    );
    expect(cites.length).toBeGreaterThan(30);
    const bad = cites.flatMap((l) => {
      const why = broken({ ...l, page: 'src/x' });
      return why === undefined ? [] : [`${l.page}: ${l.target.slice(3)}: ${why}`];
    });
    expect(bad).toEqual([]);
  });
});
