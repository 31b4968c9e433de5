// Ignore rules: does a leftover resource match a rule? A rule's fields are AND-ed; the
// frame fields (module, function, file) each need one frame of the creation stack to match.
import * as path from 'node:path';
import picomatch from 'picomatch';
import type { Kind } from '../track/kinds';
import type { IgnoreRule } from '../config/options';
import type { Frame } from '../track/stack';

/** What a rule is matched against: the resource's kind and its cleaned creation frames. */
export interface Subject {
  readonly kind: Kind;
  /** The creation stack, then the stack of the request that led to it, if any. */
  readonly frames: readonly Frame[];
}

export type Matcher = (subject: Subject) => boolean;

function sameFunction(shown: string, wanted: string): boolean {
  // `startHeartbeat` matches `Pool.startHeartbeat` and `Object.startHeartbeat` too.
  return shown === wanted || shown.endsWith(`.${wanted}`);
}

const slash = (p: string): string => p.split(path.sep).join('/');

/** A frame's file as globs and module dirs are written: decoded (file URLs), with `/`. */
function fileOf(frame: Frame): string | undefined {
  const file = frame.file;
  if (file === undefined) return undefined;
  try {
    return slash(decodeURIComponent(file));
  } catch {
    return slash(file);
  }
}

/** Compiles a (validated) rule; `rootDir` anchors relative `file` globs. */
export function compileRule(rule: IgnoreRule, rootDir: string): Matcher {
  const checks: Matcher[] = [];
  if (rule.kind !== undefined) {
    const kinds = new Set<Kind>(typeof rule.kind === 'string' ? [rule.kind] : rule.kind);
    checks.push((s) => kinds.has(s.kind));
  }
  if (rule.module !== undefined) {
    const dir = `/node_modules/${rule.module}/`;
    checks.push((s) => s.frames.some((f) => fileOf(f)?.includes(dir) === true));
  }
  if (rule.function !== undefined) {
    const wanted = rule.function;
    checks.push((s) => s.frames.some((f) => f.functions.some((name) => sameFunction(name, wanted))));
  }
  if (rule.file !== undefined) {
    // Jest users write `<rootDir>/…`; an absolute glob is matched against absolute paths.
    const glob = rule.file.replace(/^<rootDir>\//, '');
    const absolute = path.isAbsolute(glob);
    const root = slash(rootDir);
    // picomatch, as Jest 30 matches its own globs (micromatch's matcher is picomatch too).
    const isMatch = picomatch(glob, { dot: true });
    checks.push((s) =>
      s.frames.some((f) => {
        const file = fileOf(f);
        if (file === undefined) return false;
        return isMatch(absolute ? file : path.posix.relative(root, file));
      }),
    );
  }
  if (rule.stack !== undefined) {
    const text = rule.stack;
    checks.push((s) => s.frames.map((f) => f.text).join('\n').includes(text));
  }
  return (subject) => checks.every((check) => check(subject));
}

/** A rule as people wrote it, for messages: `{ module: "pg-pool" }`. */
export function describeRule(rule: IgnoreRule): string {
  const fields = Object.entries(rule)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}: ${JSON.stringify(value)}`);
  return `{ ${fields.join(', ')} }`;
}
