// Hostile backend responses against the node:http front end (src/router.ts), via test/helpers.ts.
import { startRouter } from '../helpers.js';
import { runResponseCorpus } from './runner.js';

runResponseCorpus(startRouter);
