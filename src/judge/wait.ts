// The verdicts' waits, on the timers of the detector's own realm: the test's fake timers
// live in the test context only.

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The next turn of the event loop: after its I/O callbacks and its close phase. */
export const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** `count` turns of the event loop. */
export async function turns(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn++) await nextMacrotask();
}
