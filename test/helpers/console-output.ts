// What Jest printed for one test file: its block of the default reporter's output (from
// its PASS/FAIL line to the next one), which holds that file's console output.
import type { JestRun } from './run-jest';

export function outputOf(run: JestRun, file: string): string {
  const blocks = run.stderr.split(/^(?=(?:PASS|FAIL) )/m);
  const found = blocks.filter((block) => block.split('\n', 1)[0].includes(file));
  if (found.length !== 1) throw new Error(`expected one output block for ${file}, found ${found.length}:\n${run.stderr}`);
  return found[0];
}
