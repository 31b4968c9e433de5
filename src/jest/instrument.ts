// What the test global gets patched with, by the kind of global the base environment made:
// Node's globals (setImmediate marks), a jsdom window (its intervals, re-armed timeouts), a
// happy-dom window (its animation frames, Node immediates). fetch is traced wherever it exists.
import { markImmediates, traceFetch } from '../track/annotations';
import { markAnimationFrames } from '../track/happy-dom-timers';
import { markWindowIntervals } from '../track/jsdom-timers';
import type { Patches } from '../track/patches';

type GlobalKind = 'node' | 'jsdom' | 'happy-dom';

/** A happy-dom window has `happyDOM`; a jsdom one a document and window timers of its own (not Node's). */
export function globalKindOf(global: object): GlobalKind {
  const g = global as { happyDOM?: unknown; document?: unknown; setTimeout?: unknown };
  if (typeof g.happyDOM === 'object' && g.happyDOM !== null) return 'happy-dom';
  if (typeof g.document === 'object' && g.document !== null && g.setTimeout !== globalThis.setTimeout) return 'jsdom';
  return 'node';
}

/** Patches the test global for reports, until `patches` is undone. */
export function instrumentGlobal(global: object, patches: Patches): void {
  switch (globalKindOf(global)) {
    case 'jsdom':
      markWindowIntervals(global, patches);
      break;
    case 'happy-dom':
      markImmediates(global, patches);
      markAnimationFrames(global, patches);
      break;
    case 'node':
      markImmediates(global, patches);
      break;
  }
  // jsdom has no fetch today (then this does nothing); where the global has one, it is traced.
  traceFetch(global, patches);
}
