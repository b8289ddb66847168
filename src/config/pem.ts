// PEM files named by the config, read while it is validated (at load, `check` and every reload),
// so a missing or unreadable file is a problem at its key and a reload with one keeps the running
// config (src/runtime/runtime.ts reloadNow).
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Problem } from '../schedulers/types.js';

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** The text of a file of one or more PEM certificates (validate.ts made the path absolute, from the config file's directory). */
export function readCertificates(file: string, at: string, problems: Problem[]): string | undefined {
  const abs = resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    problems.push({ path: at, message: `cannot read ${abs}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
    return undefined;
  }
  const blocks = text.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) {
    problems.push({ path: at, message: `${abs} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` });
    return undefined;
  }
  for (const [i, b] of blocks.entries()) {
    try {
      new X509Certificate(b);
    } catch (e) {
      problems.push({ path: at, message: `${abs}: certificate ${i + 1} cannot be parsed: ${(e as Error).message}` });
      return undefined;
    }
  }
  return text;
}
