'use strict';
// `testEnvironment: 'leakcheck/jsdom'` resolves here. Re-exporting the compiled module
// object keeps its `__esModule` flag and `default`, which is how Jest picks the class.
module.exports = require('./build/jest/jsdom');
