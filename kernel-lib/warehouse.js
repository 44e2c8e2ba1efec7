// Root-level entry for Node10 resolution (tslab): `require('@cbm-kit/kernel-lib/warehouse')`.
module.exports = require('./dist/warehouse.js');
