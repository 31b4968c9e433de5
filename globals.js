// `require('jest-environment-leakcheck/globals')`: see build/globals.js.
'use strict';
module.exports = require('./build/globals.js');
