// Root-level entry for Node10 resolution (tslab): `require('@cbm-kit/kernel-lib/sql')`.
module.exports = require('./dist/sql/index.js');
