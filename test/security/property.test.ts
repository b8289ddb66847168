// Mutated requests (fast-check, seeded) against the node:http front end, via test/helpers.ts.
import { startRouter } from '../helpers.js';
import { runProperties } from './property.js';

runProperties(startRouter);
