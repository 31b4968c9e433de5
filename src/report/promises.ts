// Promise leaks, described one per suspended chain (see chainsOf in classify.ts): an async
// function suspended forever at an `await` is reported as the function, with the await
// site and the call site.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { cleanFrames, firstUserFrame, frameTexts, isOwnFrame, NO_STACK, stackFrames, type Frame } from '../track/stack';
import type { PromiseChain } from '../judge/classify';
import { PROMISE_STACKS, type ResourceRecord } from '../track/tracker';
import { userFrameOf, type SourceLocation } from './report';

type Origin = { kind: 'async'; name: string | undefined; internal: boolean } | { kind: 'new' } | { kind: 'derived' };

/** What created the root promise, read off its first frame below the hook. */
function originOf(record: ResourceRecord): Origin {
  const first = stackFrames(record.stack).find((f) => !f.text.includes('node:internal/async_hooks') && !isOwnFrame(f.text));
  if (first === undefined) return { kind: 'derived' };
  if (/^at new Promise \(<anonymous>\)/.test(first.text)) return { kind: 'new' };
  if (/^at (?:async )?Promise\.|^at (?:async )?Function\.|\(<anonymous>\)$/.test(first.text)) return { kind: 'derived' };
  // A module-scope function shows as `Object.name`; an anonymous one has no name, or `<anonymous>`.
  const name = first.functions[0]?.replace(/^Object\./, '');
  return { kind: 'async', name: name === '<anonymous>' ? undefined : name, internal: /\(node:/.test(first.text) };
}

/** The source text of what is awaited at a frame, e.g. `once(bus, 'ready')`. */
function awaitedExpression(at: Frame): string | undefined {
  if (at.file === undefined) return undefined;
  let line: string | undefined;
  try {
    line = readFileSync(at.file, 'utf8').split(/\r?\n/)[at.line - 1];
  } catch {
    return undefined;
  }
  // The column points at the awaited call; source maps are not always that precise, so
  // fall back to the first await on the line.
  const match = /\bawait\s*$/.test(line?.slice(0, at.column - 1) ?? '')
    ? /^(.*)$/.exec(line?.slice(at.column - 1) ?? '')
    : /\bawait\s+(.*)$/.exec(line ?? '');
  if (!match) return undefined;
  const text = match[1].replace(/[;,]?\s*(?:\/\/.*)?$/, '').trim();
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function relative(rootDir: string, frame: Frame | undefined): string {
  return frame?.file === undefined ? 'unknown location' : `${path.relative(rootDir, frame.file)}:${frame.line}`;
}

export interface ChainReport {
  readonly description: string;
  readonly frames: string[];
  readonly userFrame: SourceLocation | null;
}

function report(description: string, frames: string[]): ChainReport {
  return { description, frames, userFrame: userFrameOf(frames) };
}

/** One line for the chain, and the frames to show (the await site first, when known). */
export function describeChain(chain: PromiseChain, rootDir: string, scope: 'test' | 'file' = 'test'): ChainReport {
  if (chain.members.every((member) => member.stack === NO_STACK)) {
    const whose = scope === 'test' ? 'this test' : 'the file outside its tests';
    return report(
      `a chain of ${chain.members.length} promise(s) created by ${whose} never settles (created after its first ${PROMISE_STACKS} promises, so without a creation stack)`,
      [],
    );
  }
  const rootFrames = cleanFrames(chain.root.stack);
  const origin = originOf(chain.root);
  // With no frame of the user's own, the dependency's line says more than nothing.
  const createdAt = relative(rootDir, firstUserFrame(rootFrames));
  if (origin.kind === 'async' && origin.internal) {
    // Node's own async API (events.once, timers/promises, ...): name the user's call.
    return report(`${origin.name ?? 'a Node.js API'}() called at ${createdAt} never settles`, frameTexts(rootFrames));
  }
  if (origin.kind === 'async') {
    const fn = origin.name === undefined ? 'an anonymous async function' : `async function ${origin.name}`;
    // The await it hangs at: the newest member created at a line other than the call, the
    // user's own if any (else the dependency's).
    const awaits = chain.members
      .slice(1)
      .reverse()
      .map((member) => cleanFrames(member.stack))
      // Frames of different stacks are different objects: compared by their text.
      .filter((frames) => frames[0] !== undefined && frames[0].text !== rootFrames[0]?.text);
    const frames = awaits.find((f) => f[0].user) ?? awaits[0];
    if (frames !== undefined) {
      const awaited = awaitedExpression(frames[0]);
      const site = awaited ? `await ${awaited}` : 'await';
      const shown = frameTexts(frames);
      return report(
        `${fn}, suspended at ${site} (${relative(rootDir, frames[0])})`,
        shown.concat(frameTexts(rootFrames.slice(1)).filter((f) => !shown.includes(f))),
      );
    }
    return report(`${fn} never finishes`, frameTexts(rootFrames));
  }
  if (origin.kind === 'new') {
    return report(`new Promise created at ${createdAt} is never resolved or rejected`, frameTexts(rootFrames));
  }
  return report(`promise chain created at ${createdAt} never settles`, frameTexts(rootFrames));
}
