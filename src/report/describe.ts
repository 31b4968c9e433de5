// The describe stage: a settled handle as one leak a person can act on — what it is (kind,
// description), how to fix it (hint) and where it came from (frames).
import { framesOf } from './frames';
import { describe, hintFor, type Annotations } from '../track/kinds';
import { userFrameOf, type LeakInput } from './report';
import { cleanFrames, frameTexts, type StackHolder } from '../track/stack';
import type { ResourceRecord } from '../track/tracker';

/** One handle leak. `failure`: why its resource could not be inspected, if it could not. */
export function describeHandle(record: ResourceRecord, resource: object | undefined, failure: unknown, annotations: Annotations): LeakInput {
  const kind = record.kind;
  const late = record.lateFrom === undefined ? '' : `, created by test "${record.lateFrom}" after it had finished`;
  const frames = framesOf(record, resource, annotations);
  const userFrame = userFrameOf(frames);
  try {
    if (failure !== undefined) throw failure;
    return { kind, description: describe(kind, record.type, resource, annotations) + late, hint: hintFor(kind, record.type, resource), frames, userFrame };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      kind,
      description: `${record.type} that could not be inspected (${reason}), so it is reported as still alive${late}`,
      hint: hintFor(kind, record.type, undefined),
      frames,
      userFrame,
    };
  }
}

/** A fake timer left pending on the fake clock (the `fakeTimers` option). */
export function describeFakeTimer(timer: { readonly description: string; readonly stack: StackHolder }, hint: string): LeakInput {
  const frames = frameTexts(cleanFrames(timer.stack));
  return { kind: 'timer', description: timer.description, hint, frames, userFrame: userFrameOf(frames) };
}
