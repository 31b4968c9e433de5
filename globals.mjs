// `import { leakcheck } from 'jest-environment-leakcheck/globals'` in native ESM: the same
// object as the CommonJS entry (build/api/globals.js).
import globals from './build/api/globals.js';

export const leakcheck = globals.leakcheck;
