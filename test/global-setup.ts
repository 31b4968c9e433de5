// The end-to-end tests run the fixtures against build/, the unit tests against src/: a
// build older than its sources would test yesterday's code. Rebuild before any test runs
// when a source is newer than what it compiles to (or has no output yet).
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/** The sources whose build output is missing or older than they are. */
export function staleSources(root: string = ROOT): string[] {
  const stale: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const built = path.join(root, 'build', path.relative(path.join(root, 'src'), file)).replace(/\.ts$/, '.js');
        let builtAt = 0;
        try {
          builtAt = statSync(built).mtimeMs;
        } catch {
          // not built yet
        }
        if (builtAt < statSync(file).mtimeMs) stale.push(path.relative(root, file));
      }
    }
  };
  walk(path.join(root, 'src'));
  return stale;
}

export default function globalSetup(): void {
  const stale = staleSources();
  if (stale.length === 0) return;
  process.stderr.write(`\nbuild/ is older than ${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ` and ${stale.length - 3} more` : ''}: rebuilding (npm run build)\n`);
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
}
