// The frames a report shows for a handle: the user's lines that led to it.
import { ownerOf, type Annotations } from '../track/kinds';
import { cleanFrames, frameTexts, type Frame, type StackHolder } from '../track/stack';
import type { ResourceRecord } from '../track/tracker';

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

/**
 * The stacks of what led to a handle, nearest first: the request whose callback created it
 * (its recorded origin), and for a server — or a connection a server accepted, which has no
 * stack of its own — where the server's listen() was called.
 */
export function originsOf(record: ResourceRecord, resource: object | undefined, annotations: Annotations): StackHolder[] {
  const origins: StackHolder[] = record.origin === undefined ? [] : [record.origin];
  const server = resource === undefined ? undefined : record.kind === 'server' ? ownerOf(resource) : ownerOf(resource)?.server;
  const listened = typeof server === 'object' && server !== null ? annotations.listenStackOf(server) : undefined;
  if (listened !== undefined) origins.push(listened);
  return origins;
}

/** Its own creation frames if they reach the user's code, else those of the first origin that does. */
function handleFrames(record: ResourceRecord, resource: object | undefined, annotations: Annotations): readonly Frame[] {
  const frames = cleanFrames(record.stack);
  if (frames.some((frame) => frame.user)) return frames;
  for (const holder of originsOf(record, resource, annotations)) {
    const other = cleanFrames(holder);
    if (other.some((frame) => frame.user)) return other;
  }
  return frames;
}
