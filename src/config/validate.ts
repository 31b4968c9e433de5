// Untrusted input (jest config, docblock pragmas, arguments of the test-side API) turned
// into typed values, or into problems described the way jest-validate describes Jest's own
// config errors: every bad option, its value and what is allowed, in one message.
import chalk from 'chalk';
import { createDidYouMeanMessage, format, ValidationError } from 'jest-validate';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { KINDS, isKind, type Kind } from '../track/kinds';
import { firstInRun } from '../report/channel';
import { CONTAINS, DEFAULTS, MAX_TIMEOUT_MS, MODES, OPTION_NAMES, RULE_FIELDS, type Contain, type IgnoreRule, type Mode, type ResolvedOptions } from './options';

/** The docblock pragmas this package reads, without their `@`. */
const PRAGMAS = ['leakcheck-allow', 'leakcheck-mode'] as const;

// The README's section on the repository: every link a message prints must resolve (test/links.test.ts).
const DOCS = `${chalk.bold('Configuration Documentation:')}\n  https://github.com/jest-environment-leakcheck/jest-environment-leakcheck#options`;

const quoted = (name: string): string => chalk.bold(`"${name}"`);

/** `"a", "b" or "c"` */
export function listOf(values: readonly string[], last = 'or'): string {
  const items = values.map((v) => `"${v}"`);
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;
}

/**
 * Whether this process got the config from Jest as JSON: a parallel worker (a child process
 * of jest-worker). JSON turns a RegExp, function, Map or class instance into {}, Infinity
 * and NaN into null, and drops a function-valued key, so the value seen here may not be
 * the one written.
 */
function configCameAsJson(): boolean {
  return typeof process.send === 'function' && /[\\/]jest-worker[\\/]/.test(require.main?.filename ?? '');
}

function isEmptyPlainObject(value: unknown): boolean {
  return isPlainObject(value) && Object.keys(value).length === 0;
}

const NOT_JSON = 'Options must be plain JSON: Jest passes the config to its workers as JSON.';

function received(value: unknown): string {
  return chalk.bold.red(format(value));
}

/** What to add when the value shown may not be the one written, or is not JSON. */
function jsonNote(value: unknown): string {
  if (configCameAsJson()) {
    if (isEmptyPlainObject(value)) {
      return `This is the value as this Jest worker received it: if it was written as a RegExp, a function, a Map, a Set or a class instance, JSON turned it into {}. ${NOT_JSON}`;
    }
    if (value === null) return `This is the value as this Jest worker received it: if it was written as Infinity, -Infinity or NaN, JSON turned it into null. ${NOT_JSON}`;
  }
  if (value instanceof RegExp || typeof value === 'function' || (typeof value === 'number' && !Number.isFinite(value))) {
    return `It is not JSON: with parallel workers it would arrive as ${typeof value === 'number' ? 'null' : typeof value === 'function' ? 'nothing at all' : '{}'}. ${NOT_JSON}`;
  }
  return '';
}

/**
 * The `leakcheck` options as written in the project's config file, when this worker got
 * them as JSON and the file can be read again and matches what arrived (so it is the file
 * Jest used): then messages show a RegExp as a RegExp and a function-valued option at all.
 * Otherwise `received`. Only CommonJS and JSON configs at rootDir are read; a config that
 * exports a function or has projects is left alone.
 */
export function optionsAsWritten(rootDir: string, received: unknown): unknown {
  if (!configCameAsJson()) return received;
  for (const name of ['jest.config.js', 'jest.config.cjs', 'jest.config.json']) {
    const file = path.join(rootDir, name);
    if (!existsSync(file)) continue;
    try {
      const exported = require(file) as unknown;
      const config = (exported as { default?: unknown } | null)?.default ?? exported;
      if (typeof config !== 'object' || config === null || 'projects' in config) return received;
      const written = (config as { testEnvironmentOptions?: { leakcheck?: unknown } }).testEnvironmentOptions?.leakcheck;
      return JSON.stringify(written) === JSON.stringify(received) ? written : received;
    } catch {
      return received;
    }
  }
  return received;
}

function suggestion(value: unknown, allowed: readonly string[]): string {
  return typeof value === 'string' ? createDidYouMeanMessage(value, [...allowed]) : '';
}

/** `Option "path" must be <expected>, but instead received: <value>` */
export function mustBe(path: string, expected: string, value: unknown, note = ''): string {
  const lines = [`  Option ${quoted(path)} must be ${expected}, but instead received:`, `    ${received(value)}`];
  if (note) lines.push(`  ${note}`);
  const json = jsonNote(value);
  if (json) lines.push(`  ${json}`);
  return lines.join('\n');
}

/** `Unknown <what> "path" with value <value> was found. Did you mean …?` — `name` is the last part of path. */
export function unknownName(what: string, path: string, name: string, value: unknown, allowed: readonly string[]): string {
  const hint = suggestion(name, allowed);
  return [
    `  Unknown ${what} ${quoted(path)} with value ${received(value)} was found.${hint ? ` ${hint}` : ''}`,
    `  Allowed: ${listOf(allowed, 'and')}.`,
    ...(jsonNote(value) ? [`  ${jsonNote(value)}`] : []),
  ].join('\n');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  // Jest serialises config to workers, so objects may come from another realm.
  return proto === null || Object.getPrototypeOf(proto) === null;
}

const KIND_LIST = `one of the kinds ${listOf(KINDS)}`;

function checkKind(value: unknown, path: string, problems: string[]): Kind | undefined {
  if (isKind(value)) return value;
  problems.push(mustBe(path, KIND_LIST, value, suggestion(value, KINDS)));
  return undefined;
}

function checkKindList(value: unknown, path: string, problems: string[], allowEmpty: boolean): Kind[] | undefined {
  if (!Array.isArray(value) || (!allowEmpty && value.length === 0)) {
    problems.push(mustBe(path, `${allowEmpty ? 'an' : 'a non-empty'} array of kinds, each ${KIND_LIST}`, value));
    return undefined;
  }
  const kinds = value.map((item: unknown, i) => checkKind(item, `${path}[${i}]`, problems));
  return kinds.every((k): k is Kind => k !== undefined) ? kinds : undefined;
}

// npm package names: `name` or `@scope/name`.
const PACKAGE_NAME = /^(?:@[^/\s@]+\/)?[^/\s@.][^/\s]*$/;

function checkText(value: unknown, path: string, problems: string[], expected: string, valid: (s: string) => string | true): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    problems.push(mustBe(path, expected, value));
    return undefined;
  }
  const verdict = valid(value);
  if (verdict === true) return value;
  problems.push(mustBe(path, expected, value, verdict));
  return undefined;
}

function globProblem(glob: string): string | true {
  try {
    picomatch.makeRe(glob, { strictBrackets: true });
    return true;
  } catch (error) {
    return `It is not a valid glob: ${error instanceof Error ? error.message : String(error)}`;
  }
}

const RULE_SHAPE = `an object with at least one of ${listOf(RULE_FIELDS)}, e.g. { "module": "pg-pool" } or { "kind": "timer", "function": "startHeartbeat" }`;

/** One ignore rule, as written in config or passed to `leakcheck.ignore()`. */
export function checkRule(raw: unknown, path: string, problems: string[]): IgnoreRule | undefined {
  if (!isPlainObject(raw)) {
    problems.push(mustBe(path, RULE_SHAPE, raw));
    return undefined;
  }
  const before = problems.length;
  const rule: { -readonly [K in keyof IgnoreRule]: IgnoreRule[K] } = {};
  let fields = 0;
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const at = `${path}.${name}`;
    fields++;
    switch (name) {
      case 'kind':
        rule.kind = Array.isArray(value) ? checkKindList(value, at, problems, false) : checkKind(value, at, problems);
        break;
      case 'module':
        rule.module = checkText(value, at, problems, 'a package name such as "pg-pool" or "@scope/name"', (s) =>
          PACKAGE_NAME.test(s) ? true : 'A module rule matches frames under node_modules/<package name>/; use "file" for a path or glob.',
        );
        break;
      case 'function':
        rule.function = checkText(value, at, problems, 'a function name such as "startHeartbeat" or "Pool.connect"', (s) =>
          /^[^\s()]+$/.test(s) ? true : 'Give the name as it appears in a stack frame, without spaces or parentheses.',
        );
        break;
      case 'file':
        rule.file = checkText(value, at, problems, 'a glob relative to rootDir, such as "src/legacy/**"', globProblem);
        break;
      case 'stack':
        rule.stack = checkText(value, at, problems, 'a non-empty string to look for in the creation stack', () => true);
        break;
      default:
        problems.push(unknownName('ignore rule field', at, name, value, RULE_FIELDS));
    }
  }
  if (fields === 0) problems.push(mustBe(path, RULE_SHAPE, raw));
  return problems.length === before ? rule : undefined;
}

function checkBoolean(value: unknown, path: string, problems: string[]): boolean | undefined {
  if (typeof value === 'boolean') return value;
  problems.push(mustBe(path, 'a boolean (true or false)', value));
  return undefined;
}

/**
 * `testEnvironmentOptions.leakcheck` → options. `path` names the object in messages.
 * Returns the defaults for every option with a problem; the caller throws when there are problems.
 */
export function checkOptions(raw: unknown, path: string, problems: string[]): ResolvedOptions {
  if (raw === undefined) return DEFAULTS;
  if (!isPlainObject(raw)) {
    problems.push(mustBe(path, `an object with any of the options ${listOf(OPTION_NAMES, 'and')}`, raw));
    return DEFAULTS;
  }
  const options: { -readonly [K in keyof ResolvedOptions]: ResolvedOptions[K] } = { ...DEFAULTS };
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const at = `${path}.${name}`;
    switch (name) {
      case 'kinds': {
        const kinds = checkKindList(value, at, problems, true);
        if (kinds) options.kinds = new Set(kinds);
        break;
      }
      case 'ignore': {
        if (!Array.isArray(value)) {
          problems.push(mustBe(at, `an array of ignore rules, each ${RULE_SHAPE}`, value));
          break;
        }
        const rules = value.map((rule: unknown, i) => checkRule(rule, `${at}[${i}]`, problems));
        options.ignore = rules.filter((r): r is IgnoreRule => r !== undefined);
        break;
      }
      case 'timeoutMs':
        if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_TIMEOUT_MS) options.timeoutMs = value;
        else problems.push(mustBe(at, `a number of milliseconds from 0 (strict: no waiting) to ${MAX_TIMEOUT_MS}`, value));
        break;
      case 'mode':
        if ((MODES as readonly unknown[]).includes(value)) options.mode = value as Mode;
        else problems.push(mustBe(at, `one of ${listOf(MODES)}`, value, suggestion(value, MODES)));
        break;
      case 'includeUnref':
      case 'fakeTimers':
      case 'verbose':
      case 'retainers':
      case 'strictBaseline':
        options[name] = checkBoolean(value, at, problems) ?? DEFAULTS[name];
        break;
      case 'contain':
        if ((CONTAINS as readonly unknown[]).includes(value)) options.contain = value as Contain;
        else problems.push(mustBe(at, `one of ${listOf(CONTAINS)}`, value, suggestion(value, CONTAINS)));
        break;
      case 'baseline':
        options.baseline = checkText(value, at, problems, 'a path relative to rootDir, such as "leakcheck-baseline.json"', () => true) ?? null;
        break;
      default:
        problems.push(unknownName('option', at, name, value, OPTION_NAMES));
    }
  }
  return options;
}

/** The environment variable that overrides the mode: CI's switch, without editing config. */
export const MODE_VARIABLE = 'LEAKCHECK_MODE';

/**
 * The mode `LEAKCHECK_MODE` sets, or undefined when it is unset or empty (a CI template
 * that expands to nothing). Case and surrounding spaces are forgiven; any other value is a
 * problem, described like a bad option.
 */
export function checkModeVariable(env: NodeJS.ProcessEnv, problems: string[]): Mode | undefined {
  const raw = env[MODE_VARIABLE];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = raw.trim().toLowerCase();
  if ((MODES as readonly string[]).includes(value)) return value as Mode;
  problems.push(
    [
      `  Environment variable ${quoted(MODE_VARIABLE)} must be one of ${listOf(MODES)} (or unset), but instead received:`,
      `    ${received(raw)}`,
      ...(suggestion(value, MODES) ? [`  ${suggestion(value, MODES)}`] : []),
    ].join('\n'),
  );
  return undefined;
}

/** What a test file's docblock says: kinds left unchecked ('all' = the whole file), a mode. */
export interface FilePragmas {
  readonly allow: 'all' | ReadonlySet<Kind> | undefined;
  readonly mode: Mode | undefined;
}

export type Pragmas = Record<string, string | string[]>;

/** Reads this package's pragmas (`@leakcheck-…`) from a parsed docblock. */
export function checkPragmas(pragmas: Pragmas, problems: string[]): FilePragmas {
  let allow: 'all' | Set<Kind> | undefined;
  let mode: Mode | undefined;
  for (const [name, raw] of Object.entries(pragmas)) {
    if (!name.startsWith('leakcheck')) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    const at = `@${name}`;
    if (name === 'leakcheck-allow') {
      for (const value of values) {
        const words = value.split(/[\s,]+/).filter(Boolean);
        if (words.length === 0) allow = 'all';
        for (const word of words) {
          if (!isKind(word)) {
            problems.push(
              [
                `  Pragma ${quoted(at)} must be followed by nothing (the whole file is unchecked) or by kinds, each ${KIND_LIST}, but instead received:`,
                `    ${received(word)}`,
                ...(suggestion(word, KINDS) ? [`  ${suggestion(word, KINDS)}`] : []),
              ].join('\n'),
            );
          } else if (allow !== 'all') {
            allow = allow ?? new Set<Kind>();
            allow.add(word);
          }
        }
      }
    } else if (name === 'leakcheck-mode') {
      const value = values.length === 1 ? values[0].trim() : values;
      if ((MODES as readonly unknown[]).includes(value)) mode = value as Mode;
      else {
        problems.push(
          [
            `  Pragma ${quoted(at)} must be followed by one of ${listOf(MODES)}, but instead received:`,
            `    ${received(value)}`,
            ...(suggestion(value, MODES) ? [`  ${suggestion(value, MODES)}`] : []),
          ].join('\n'),
        );
      }
    } else {
      problems.push(unknownName('pragma', at, at, raw, PRAGMAS.map((p) => `@${p}`)));
    }
  }
  return { allow, mode };
}

/**
 * The error for problems that are the same in every test file (the config's options, the
 * environment variable, the baseline file): in full for the first file of the run that
 * meets them, then a one-line reference, so a suite of 2,000 files does not print it 2,000
 * times. Problems that name their file (its pragmas) differ per file and are all shown.
 */
export function onceInRun(intro: string, problems: readonly string[]): ValidationError {
  if (firstInRun(`${intro}\n${problems.join('\n')}`)) return validationError(intro, problems);
  return validationError(intro, ['  The same error was shown in full for the first test file that met it in this run.']);
}

/**
 * One error for all the problems, shaped like jest-validate's. Its stack is empty: Jest
 * prints the message of an error thrown by a test environment, and a stack would repeat it.
 */
export function validationError(intro: string, problems: readonly string[]): ValidationError {
  const count = problems.length === 1 ? '' : ` (${problems.length} problems)`;
  const error = new ValidationError('● Validation Error', [`  ${intro}${count}:`, ...problems].join('\n\n'), `  ${DOCS}`);
  error.stack = '';
  return error;
}
