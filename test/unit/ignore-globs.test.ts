// The ignore rule's `file` glob, matched by picomatch (what Jest 30 uses) with the semantics
// it had under micromatch 4 (whose matcher is picomatch 2): each row below gave the same
// answer under micromatch.matcher(glob, { dot: true }) when the dependency was swapped.
import { compileRule } from '../../src/judge/ignore';
import { parseFrame } from '../../src/track/stack';

const ROOT_DIR = '/project';

function matches(glob: string, file: string): boolean {
  const frame = `at work (${file.startsWith('/') ? file : `${ROOT_DIR}/${file}`}:1:1)`;
  return compileRule({ file: glob }, ROOT_DIR)({ kind: 'timer', frames: [parseFrame(frame)] });
}

test.each([
  ['src/legacy/**', 'src/legacy/a.js', true],
  ['src/legacy/**', 'src/legacy/deep/b/c.js', true],
  ['src/legacy/**', 'src/legacyx/a.js', false],
  ['src/**/*.js', 'src/a.js', true],
  ['src/**/*.js', 'src/x/y/a.js', true],
  ['src/**/*.js', 'src/a.ts', false],
  ['**/*.js', 'src/.hidden/a.js', true],
  ['**/.eslintrc.js', 'x/.eslintrc.js', true],
  ['src/*.js', 'src/x/a.js', false],
  ['src/{a,b}/*.js', 'src/a/x.js', true],
  ['src/{a,b}/*.js', 'src/c/x.js', false],
  ['src/{1..3}.js', 'src/2.js', true],
  ['src/[ab].js', 'src/a.js', true],
  ['src/!(legacy)/*.js', 'src/legacy/x.js', false],
  ['src/!(legacy)/*.js', 'src/current/x.js', true],
  ['src/@(a|b).js', 'src/b.js', true],
  ['src/a?.js', 'src/ab.js', true],
  ['src/legacy', 'src/legacy/a.js', false],
  ['<rootDir>/src/**/*.js', 'src/x/a.js', true],
  ['../lib/**', '/lib/x.js', true],
  ['/abs/p/**/*.js', '/abs/p/x/y.js', true],
  ['/abs/p/**/*.js', '/abs/q/y.js', false],
])('file %j against %s: %s', (glob, file, expected) => {
  expect(matches(glob, file)).toBe(expected);
});
