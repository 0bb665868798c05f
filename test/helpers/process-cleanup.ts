// Last-resort cleanup of test servers when the process ends without teardown (Ctrl-C, SIGTERM,
// vitest exiting early). Shared by the postgres and redis helpers so signals are handled once.

const cleanups = new Set<() => void>();
let installed = false;

function runAll(): void {
  for (const fn of cleanups) {
    try {
      fn();
    } catch {
      // Best effort on the way out; one failure must not stop the others.
    }
  }
  cleanups.clear();
}

/** Registers a synchronous cleanup ('exit' handlers can't await); returns an unregister function. */
export function onProcessExit(fn: () => void): () => void {
  cleanups.add(fn);
  if (!installed) {
    installed = true;
    process.once('exit', runAll);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      const onSignal = (): void => {
        runAll();
        // If nobody else handles the signal, restore the default disposition and re-raise so the
        // process still dies from it (process.exit is stubbed out inside vitest workers).
        if (process.listenerCount(signal) === 1) {
          process.off(signal, onSignal);
          process.kill(process.pid, signal);
        }
      };
      process.on(signal, onSignal);
    }
  }
  return () => {
    cleanups.delete(fn);
  };
}
