'use strict';
// `testEnvironment: 'leakcheck/happy-dom'` resolves here. Re-exporting the compiled module
// object keeps its `__esModule` flag and `default`, which is how Jest picks the class.
module.exports = require('./build/jest/happy-dom');
