/*
 * sf's exit waits for its log-file worker; keep that worker listening while one of this plugin's commands runs.
 *
 * sf logs through pino into a worker thread (thread-stream). While nothing is logged (sf's default level is warn, so
 * a successful command logs nothing), that worker looks for work by polling a shared counter with a backoff that
 * doubles from 1 ms to 1000 ms (thread-stream lib/wait.js `waitDiff`). At exit, pino's exit handler marks the stream
 * ended and blocks the main thread until the worker notices, at its next poll: a command that has run for more than
 * a second after the worker started waits up to a whole second more, uniformly at random. Measured on this machine,
 * quiet, at 100 ms per request: `sf org list` took 1.35–1.5 s or 2.5–2.65 s, and a login that makes 2 round trips
 * took as long as `sf org login jwt`, which makes 4 (both 2.4–2.7 s): the worker's poll, not the work, set the end.
 *
 * The worker resets its backoff to 1 ms whenever the counter changes (every write changes it). So while a command of
 * ours runs, this bumps the counter every 50 ms without writing anything (the two increments a write makes around an
 * update, with nothing updated between them): the worker polls at least every ~100 ms, and the exit that follows
 * finds it at its next poll, a few ms later, instead of up to a second. Nothing is written, dropped or reordered: the
 * worker reads the same read and write positions and goes back to waiting. The timer is unref'd (it never keeps the
 * process alive).
 *
 * This reaches into sf's logger, thread-stream's shared state in particular: every step checks the shape it expects
 * (a ThreadStream of thread-stream 2 or 3: an Int32Array over a SharedArrayBuffer, an even counter at index 2) and
 * does nothing when anything differs, so a later sf or thread-stream costs at most the old tail, never a log line.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** thread-stream lib/indexes.js: the sequence counter's index in the shared Int32Array. */
const SEQ_INDEX = 2;
/** The largest index thread-stream uses (READ_INDEX). */
const READ_INDEX = 8;
const NUDGE_EVERY_MS = 50;

type Nudger = { stop(): void; nudges(): number };

/** The description-named own symbol of an object, looked up the prototype chain (pino children inherit). */
function symbolValue(target: object, description: string): unknown {
  for (let o: object | null = target; o; o = Object.getPrototypeOf(o) as object | null) {
    const found = Object.getOwnPropertySymbols(o).find((s) => s.description === description);
    if (found) return (o as Record<symbol, unknown>)[found];
  }
  return undefined;
}

/** The shared state of sf's log-file worker stream, or undefined when there is none or it is not thread-stream's. */
export function logWorkerState(cliRoot: string): Int32Array | undefined {
  try {
    // sf loaded its logger at start (this is a cache hit); the root logger exists once sf has logged or set it up
    const logger = createRequire(join(cliRoot, 'package.json'))('@salesforce/core/logger') as {
      Logger?: { rootLogger?: { getRawLogger?(): unknown } };
    };
    return workerStateOf(logger.Logger?.rootLogger?.getRawLogger?.());
  } catch {
    return undefined;
  }
}

/** The worker stream's shared state behind a pino logger: undefined unless it is a live thread-stream. */
export function workerStateOf(pinoLogger: unknown): Int32Array | undefined {
  if (!pinoLogger || typeof pinoLogger !== 'object') return undefined;
  const stream = symbolValue(pinoLogger, 'pino.stream');
  if (!stream || typeof stream !== 'object' || !('worker' in stream)) return undefined;
  const impl = symbolValue(stream, 'kImpl') as { state?: unknown; ending?: unknown; destroyed?: unknown } | undefined;
  if (!impl || impl.ending || impl.destroyed) return undefined;
  const state = impl.state;
  if (!(state instanceof Int32Array) || !(state.buffer instanceof SharedArrayBuffer)) return undefined;
  return state.length > READ_INDEX ? state : undefined;
}

/**
 * One nudge: the counter moves by two (even to even), as around a write, and waiters are woken. The main thread is
 * the counter's only writer, and this runs on it, so it never lands inside a write's update.
 */
export function nudge(state: Int32Array): boolean {
  if ((Atomics.load(state, SEQ_INDEX) & 1) !== 0) return false;
  Atomics.add(state, SEQ_INDEX, 1);
  Atomics.add(state, SEQ_INDEX, 1);
  Atomics.notify(state, SEQ_INDEX);
  return true;
}

/**
 * Keeps sf's log-file worker polling often until the process exits. The stream is looked up on each tick until
 * found (sf may create its root logger after this starts), and dropped once it is ending.
 */
export function keepLogWorkerListening(cliRoot: string, everyMs = NUDGE_EVERY_MS): Nudger {
  let count = 0;
  // no log file, no worker (sfdx-core reads this variable as a boolean)
  if (/^true$/i.test(process.env.SF_DISABLE_LOG_FILE ?? '')) return { stop: (): void => {}, nudges: () => count };
  let state: Int32Array | undefined;
  const tick = (): void => {
    state ??= logWorkerState(cliRoot);
    if (state && nudge(state)) count++;
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return { stop: (): void => clearInterval(timer), nudges: () => count };
}
