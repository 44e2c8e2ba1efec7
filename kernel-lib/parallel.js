// Root-level entry for Node10 resolution (tslab): `require('@cbm-kit/kernel-lib/parallel')`.
module.exports = require('./dist/parallel.js');
