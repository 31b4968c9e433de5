// happy-dom runs window.requestAnimationFrame on a Node setImmediate (its window timers are
// Node's own: setTimeout and setInterval are described as such without help). While a
// happy-dom environment is set up, the Immediate behind each animation frame is marked, so a
// report names requestAnimationFrame, and a frame requested from a frame's callback (an
// animation loop) is told from a single frame not yet run.
import { executionAsyncResource } from 'node:async_hooks';
import { ANIMATION_FRAME } from './kinds';
import { likeOriginal, type Patches } from './patches';

type Marked = { [ANIMATION_FRAME]?: 'once' | 'loop' };
type FrameFunction = (this: unknown, ...args: unknown[]) => unknown;

/** Marks the Immediates of `window.requestAnimationFrame` until `patches` is undone. */
export function markAnimationFrames(window: object, patches: Patches): void {
  patches.patch(window as { requestAnimationFrame?: unknown }, 'requestAnimationFrame', (original) => {
    const request = original as FrameFunction;
    const wrapper = function (this: unknown, ...args: unknown[]): unknown {
      const frame = request.apply(this, args);
      // Requested while another frame's callback runs: the callback runs inside that frame's Immediate.
      const running = executionAsyncResource() as Marked;
      if (typeof frame === 'object' && frame !== null) {
        (frame as Marked)[ANIMATION_FRAME] = running[ANIMATION_FRAME] === undefined ? 'once' : 'loop';
      }
      return frame;
    };
    return likeOriginal(wrapper, request);
  });
}
