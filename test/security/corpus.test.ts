// The request corpus against the node:http front end (src/router.ts), via test/helpers.ts.
import { startRouter } from '../helpers.js';
import { runCorpus } from './runner.js';

runCorpus(startRouter);
