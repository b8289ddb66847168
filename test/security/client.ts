// Moved to src/selftest/client.ts (switchyard selftest uses it); kept here for the tests that import it.
export * from '../../src/selftest/client.js';
