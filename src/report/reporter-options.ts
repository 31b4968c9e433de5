// The summary reporter's options, `reporters: [['jest-environment-leakcheck/reporter', { … }]]`,
// checked like the environment's: one jest-validate style error listing every bad option.
import { isPlainObject, listOf, mustBe, unknownName, validationError } from '../config/validate';

/** Options of `jest-environment-leakcheck/reporter`. */
export interface LeakcheckReporterOptions {
  /** Write a JSON document of every leak record and the totals here (relative to rootDir), at the end of the run. */
  readonly outputFile?: string;
  /**
   * GitHub Actions annotations (`::error`/`::warning`) at each leak's creation line. Default:
   * on when `GITHUB_ACTIONS=true`. `true` forces them on, `false` off.
   */
  readonly annotations?: boolean;
}

export const REPORTER_OPTION_NAMES = ['outputFile', 'annotations'] as const;

/** Validated options, or throws a ValidationError naming every problem. */
export function checkReporterOptions(raw: unknown): LeakcheckReporterOptions {
  if (raw === undefined || raw === null) return {};
  const problems: string[] = [];
  const options: { -readonly [K in keyof LeakcheckReporterOptions]: LeakcheckReporterOptions[K] } = {};
  if (!isPlainObject(raw)) {
    problems.push(mustBe('reporter options', `an object with any of the options ${listOf(REPORTER_OPTION_NAMES, 'and')}`, raw));
  } else {
    for (const [name, value] of Object.entries(raw)) {
      if (value === undefined) continue;
      switch (name) {
        case 'outputFile':
          if (typeof value === 'string' && value.trim() !== '') options.outputFile = value;
          else problems.push(mustBe(name, 'a file path (relative to rootDir), such as "reports/leaks.json"', value));
          break;
        case 'annotations':
          if (typeof value === 'boolean') options.annotations = value;
          else problems.push(mustBe(name, 'a boolean (true or false; unset: on when GITHUB_ACTIONS=true)', value));
          break;
        default:
          problems.push(unknownName('option', name, name, value, REPORTER_OPTION_NAMES));
      }
    }
  }
  if (problems.length > 0) throw validationError('jest-environment-leakcheck/reporter found invalid options', problems);
  return options;
}
