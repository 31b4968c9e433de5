// `require('jest-environment-leakcheck/globals')`: see build/api/globals.js.
'use strict';
module.exports = require('./build/api/globals.js');
