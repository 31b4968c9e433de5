// Every link the package prints or ships points somewhere that exists: the repository, or
// one of its README's headings (GitHub's anchor for it). No test can reach the network, so
// a link must be one of those two, checked against the README of this very commit.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './helpers/run-jest';

const REPOSITORY = 'https://github.com/jest-environment-leakcheck/jest-environment-leakcheck';

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading === null) continue;
    const base = heading[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

function filesUnder(dir: string, keep: (file: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(file, keep);
    return keep(file) ? [file] : [];
  });
}

/** Every http(s) URL in the package's sources and shipped files, with where it is. */
function linksInPackage(): Array<{ url: string; where: string }> {
  const sources = [
    ...filesUnder(path.join(ROOT, 'src'), (file) => /\.[cm]?[jt]s$/.test(file)),
    ...filesUnder(path.join(ROOT, 'bin'), () => true),
    ...readdirSync(ROOT)
      .filter((name) => /\.(?:[cm]?js|d\.[cm]?ts)$/.test(name))
      .map((name) => path.join(ROOT, name)),
  ];
  return sources.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/https?:\/\/[^\s'"`)<>\]]+/g)].map((match) => ({
      url: match[0].replace(/[.,;:]+$/, ''),
      where: path.relative(ROOT, file),
    })),
  );
}

const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

test('the README anchors are computed as GitHub does', () => {
  const anchors = anchorsOf('# A title\n## `LEAKCHECK_MODE`\n```sh\n# not a heading\n```\n### Options\n### Options\n#### `@leakcheck-allow` and `@leakcheck-mode`');
  expect([...anchors]).toEqual(['a-title', 'leakcheck_mode', 'options', 'options-1', 'leakcheck-allow-and-leakcheck-mode']);
});

test('every link in the sources is the repository or a heading of its README', () => {
  const links = linksInPackage();
  expect(links.length).toBeGreaterThan(0); // the validation errors' documentation link at least
  const anchors = anchorsOf(readme);
  const broken = links.filter(({ url }) => {
    if (url === REPOSITORY) return false;
    if (!url.startsWith(`${REPOSITORY}#`)) return true;
    return !anchors.has(url.slice(REPOSITORY.length + 1));
  });
  expect(broken).toEqual([]);
});

test("package.json's repository, bugs and homepage are the repository", () => {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    repository?: { type?: string; url?: string };
    bugs?: { url?: string };
    homepage?: string;
  };
  expect(manifest.repository).toEqual({ type: 'git', url: `git+${REPOSITORY}.git` });
  expect(manifest.bugs).toEqual({ url: `${REPOSITORY}/issues` });
  expect(manifest.homepage).toBe(`${REPOSITORY}#readme`);
});
