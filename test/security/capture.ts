// Moved to src/selftest/capture.ts (switchyard selftest uses it); kept here for the tests that import it.
export * from '../../src/selftest/capture.js';
