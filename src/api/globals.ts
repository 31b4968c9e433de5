// `jest-environment-leakcheck/globals`: the `leakcheck` object of the current test file,
// typed. Loaded inside the test file's module registry, so `globalThis` is the test
// context's global, where the environment put the object. Outside that environment it
// still loads, and every call explains how to set the environment up.
import type { IgnoreRule } from '../config/options';
import type { Kind } from '../track/kinds';
import type { Leakcheck } from './api';

export type { IgnoreRule, Kind, Leakcheck };

// The same brand as api.ts's API_BRAND; not imported so this module stays tiny.
const BRAND = Symbol.for('jest-environment-leakcheck.api');

const MISSING =
  "leakcheck is only available in test files run by jest-environment-leakcheck: set testEnvironment: 'leakcheck' " +
  "(or 'jest-environment-leakcheck') in your Jest config, or add a `@jest-environment leakcheck` docblock to this file.";

function unavailable(): Leakcheck {
  const fail = (): never => {
    throw new Error(MISSING);
  };
  return Object.freeze({ allow: fail, ignore: fail, ignoreCurrent: fail });
}

const found = (globalThis as { leakcheck?: unknown }).leakcheck;

export const leakcheck: Leakcheck =
  typeof found === 'object' && found !== null && (found as { [BRAND]?: boolean })[BRAND] === true ? (found as Leakcheck) : unavailable();
