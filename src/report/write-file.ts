// Files others read while they may be written (the run directory's records, the JSON report,
// the baseline): written under a temporary name beside the target and renamed, so a reader
// (or a run killed half way) never sees half a file, and the old one stays whole until replaced.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** Writes `text` to `file` atomically, creating its folder. Throws on an I/O error. */
export function writeFileAtomically(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}
