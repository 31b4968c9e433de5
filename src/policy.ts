// Policy: the options in force for one test file (config + docblock).
import type { Config } from '@jest/types';
import { DEFAULTS, type ResolvedOptions } from './options';

export function resolveOptions(
  projectConfig: Config.ProjectConfig,
  _pragmas: Record<string, string | Array<string>>,
): ResolvedOptions {
  const raw = (projectConfig.testEnvironmentOptions as { leakcheck?: Partial<ResolvedOptions> }).leakcheck ?? {};
  return { ...DEFAULTS, ...raw, kinds: raw.kinds ? new Set(raw.kinds) : DEFAULTS.kinds };
}
