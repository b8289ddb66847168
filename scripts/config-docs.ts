// Writes docs/configuration.md from the config schema (src/config/reference.ts).
// Run: npm run docs:config. test/config/docs.test.ts fails when the committed page differs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configReference } from '../src/config/reference.js';

const file = join(import.meta.dirname, '..', 'docs', 'configuration.md');
writeFileSync(file, configReference());
console.log(`wrote ${file}`);
