import { settle, type SettleOptions } from '../../src/judge/settle';

// The settle stage on plain records: liveness only, retries with a bounded budget, the
// policy asked once per active record, a resource that cannot be inspected isolated.
interface Fake {
  readonly name: string;
  active: boolean;
  /** When set, the record stops being active after this many ms. */
  stopsAfterMs?: number;
  ignored?: boolean;
  throws?: boolean;
}

function options(overrides: Partial<SettleOptions<Fake>> = {}): SettleOptions<Fake> & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    timeoutMs: 200,
    isActive: (record) => {
      if (record.throws) throw new Error(`cannot inspect ${record.name}`);
      return record.active;
    },
    matters: (record) => {
      asked.push(record.name);
      return record.ignored !== true;
    },
    anyMayFinishWithin: (records, withinMs) => records.some((r) => r.stopsAfterMs !== undefined && r.stopsAfterMs <= withinMs),
    ...overrides,
  };
}

function stopLater(record: Fake): Fake {
  if (record.stopsAfterMs !== undefined) setTimeout(() => (record.active = false), record.stopsAfterMs);
  return record;
}

test('nothing active: no wait, everything dismissed', async () => {
  const records: Fake[] = [{ name: 'a', active: false }, { name: 'b', active: false }];
  const start = Date.now();
  const result = await settle(() => records, options({ timeoutMs: 5000 }));
  expect(result.active).toEqual([]);
  expect(result.dismissed.map((r) => r.name)).toEqual(['a', 'b']);
  expect(Date.now() - start).toBeLessThan(1000); // far below the budget: it did not wait
});

test('a record that stops within the budget is not active; one that never stops is, at once', async () => {
  const stopping = stopLater({ name: 'closing', active: true, stopsAfterMs: 20 });
  const server: Fake = { name: 'server', active: true };
  const result = await settle(() => [stopping, server], options());
  expect(result.active.map((r) => r.name)).toEqual(['server']);
  expect(result.dismissed.map((r) => r.name)).toEqual(['closing']);
});

test('nothing that could finish in time: reported without waiting the budget', async () => {
  const start = Date.now();
  const result = await settle(() => [{ name: 'interval', active: true }], options({ timeoutMs: 5000 }));
  expect(result.active).toHaveLength(1);
  expect(Date.now() - start).toBeLessThan(1000);
});

test('the budget bounds the wait for something that keeps saying it may finish', async () => {
  const start = Date.now();
  const result = await settle(() => [{ name: 'stuck', active: true, stopsAfterMs: 1 }], options({ timeoutMs: 60 }));
  expect(result.active.map((r) => r.name)).toEqual(['stuck']);
  expect(Date.now() - start).toBeGreaterThanOrEqual(55);
  expect(Date.now() - start).toBeLessThan(1000);
});

test('records are collected anew each round: what an active one arms is judged too', async () => {
  const records: Fake[] = [stopLater({ name: 'first', active: true, stopsAfterMs: 10 })];
  setTimeout(() => records.push({ name: 'armed by first', active: true }), 5);
  const result = await settle(() => records, options());
  expect(result.active.map((r) => r.name)).toEqual(['armed by first']);
});

test('the policy is asked once per active record, never for inactive ones; ignored ones are not waited for', async () => {
  // Would finish in 3 s (anyMayFinishWithin says so), but is ignored: never waited for.
  const ignored: Fake = { name: 'ignored timer', active: true, stopsAfterMs: 3000, ignored: true };
  const inactive: Fake = { name: 'inactive', active: false };
  const closing = stopLater({ name: 'closing', active: true, stopsAfterMs: 20 });
  const opts = options();
  const start = Date.now();
  const result = await settle(() => [ignored, inactive, closing], { ...opts, timeoutMs: 5000 });
  expect(result.active).toEqual([]);
  expect(opts.asked.sort()).toEqual(['closing', 'ignored timer']);
  expect(Date.now() - start).toBeLessThan(2000); // did not wait for the ignored one
});

test('a record that cannot be inspected is active, isolated from the others, and never waited for', async () => {
  const broken: Fake = { name: 'broken', active: true, throws: true };
  const server: Fake = { name: 'server', active: true };
  const seen: string[][] = [];
  const result = await settle(() => [broken, server], options({ anyMayFinishWithin: (records) => (seen.push(records.map((r) => r.name)), false) }));
  expect(result.active.map((r) => r.name)).toEqual(['broken', 'server']);
  expect(String(result.uninspectable.get(broken))).toContain('cannot inspect broken');
  expect(result.uninspectable.has(server)).toBe(false);
  expect(seen).toEqual([['server']]);
});

test('a wait ends at a checkpoint (a short grace ending) rather than jumping over it', async () => {
  const elapsed: number[] = [];
  // May finish only during its first 150 ms, as a socket in its short grace.
  const anyMayFinishWithin = (_records: readonly Fake[], _withinMs: number, elapsedMs: number): boolean => (elapsed.push(elapsedMs), elapsedMs < 150);
  const result = await settle(() => [{ name: 'idle socket', active: true }], options({ timeoutMs: 1000, anyMayFinishWithin, checkpointsMs: [150] }));
  expect(result.active.map((r) => r.name)).toEqual(['idle socket']);
  // The backoff alone (1, 2, 4, …, 64, 100 ms) would look again only at 227 ms.
  expect(elapsed[elapsed.length - 1]).toBeGreaterThanOrEqual(150);
  expect(elapsed[elapsed.length - 1]).toBeLessThan(200);
});

test('what just stopped runs its last callbacks before the rest is judged: a timer its close clears is not active', async () => {
  const guard: Fake = { name: 'guard timer', active: true };
  // Already stopped when first looked at (a destroyed socket); its 'close' comes a turn later.
  const socket: Fake = { name: 'socket', active: false };
  setImmediate(() => setImmediate(() => (guard.active = false)));
  const result = await settle(() => [socket, guard], options({ timeoutMs: 5000 }));
  expect(result.active).toEqual([]);
  expect(result.dismissed.map((r) => r.name)).toEqual(['socket', 'guard timer']);
});

test('the rest is judged after those turns: a timer nothing clears is still active, without waiting the budget', async () => {
  const records: Fake[] = [{ name: 'socket', active: false }, { name: 'timer', active: true }];
  const start = Date.now();
  const result = await settle(() => records, options({ timeoutMs: 5000 }));
  expect(result.active.map((r) => r.name)).toEqual(['timer']);
  expect(Date.now() - start).toBeLessThan(1000);
});

test('resources that keep coming and going do not hold back the report of one that never stops', async () => {
  let round = 0;
  const timer: Fake = { name: 'timer', active: true };
  // A fresh stopped record at every look (a short-lived resource made again and again).
  const collect = (): Fake[] => [{ name: `socket ${++round}`, active: false }, timer];
  const start = Date.now();
  const result = await settle(collect, options({ timeoutMs: 5000 }));
  expect(result.active.map((r) => r.name)).toEqual(['timer']);
  expect(round).toBe(4); // the first look and three more, one after each pair of turns
  expect(Date.now() - start).toBeLessThan(1000);
});
