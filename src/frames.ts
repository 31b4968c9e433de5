// The frames a report shows for a handle: the user's lines that led to it.
import { ownerOf, type Annotations } from './kinds';
import { cleanFrames, frameTexts, type Frame } from './stack';
import type { ResourceRecord } from './tracker';

/**
 * The frames to show for a record: its own creation stack, or — when that has no user
 * frame, as for a handle created in a later callback — the request's that led to it, or
 * (for a server) where listen() was called. A server's frames are followed by those of
 * the call that created it (http.createServer, …), when that is another place: the
 * listen() line gets the code frame, and both are in the stack.
 */
export function framesOf(record: ResourceRecord, resource: object | undefined, annotations: Annotations): string[] {
  const frames = frameTexts(handleFrames(record, resource, annotations));
  const owner = record.kind === 'server' && resource ? ownerOf(resource) : undefined;
  const creation = owner && annotations.creationOf?.(owner);
  if (creation === undefined) return frames;
  const created = frameTexts(cleanFrames(creation.stack)).filter((frame) => !frames.includes(frame));
  return frames.concat(created);
}

function handleFrames(record: ResourceRecord, resource: object | undefined, annotations: Annotations): readonly Frame[] {
  const frames = cleanFrames(record.stack);
  if (frames.some((frame) => frame.user)) return frames;
  // A connection a server accepted has no stack of its own: show the server's.
  const server = resource === undefined ? undefined : record.kind === 'server' ? ownerOf(resource) : (ownerOf(resource) as { server?: unknown } | undefined)?.server;
  const fallbacks = [record.origin, typeof server === 'object' && server !== null ? annotations.listenStackOf(server) : undefined];
  for (const holder of fallbacks) {
    const other = holder === undefined ? [] : cleanFrames(holder);
    if (other.some((frame) => frame.user)) return other;
  }
  return frames;
}
