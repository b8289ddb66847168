// The test kit, one import for every test: real servers on 127.0.0.1 (port 0) as backends, a real
// Router in front of them, raw-socket clients and waits. The parts live in test/kit/.
export { childBackend, kill, type ChildBackend } from './kit/child.js';
export {
  echoBackend, recordingBackend, refusedPort, slowBackend, startServer, switchBackend, tcpEchoBackend,
  type Mode, type SlowBackend, type SwitchBackend, type TcpEchoBackend, type TestServer,
} from './kit/backends.js';
export { raw, rawExchange, rawRequest, statuses, whoAnswers, type Raw, type RawAnswer, type RawRequest } from './kit/raw.js';
export { startRouter, type RouterOptions, type TestRouter } from './kit/router.js';
export { CLI, runCli, startCli, type CliChild, type CliRun } from './kit/cli.js';
export { admInProcess } from './kit/adm.js';
export { nextEvent, recordEvents, sleep, until, type RecordedEvent } from './kit/wait.js';
export { openBrowser, type Browser } from './kit/browser.js';
export { steadyLoad, type LoadRec } from './kit/load.js';
export { httpsBackend, makeCerts, type HttpsBackend, type TestCerts } from './kit/upstream-tls.js';
