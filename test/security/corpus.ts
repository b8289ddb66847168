// Moved to src/selftest/corpus.ts (switchyard selftest uses it); kept here for the tests that import it.
export * from '../../src/selftest/corpus.js';
