// Root-level entry for Node10 resolution (tslab): `require('@cbm-kit/kernel-lib/charts')`.
module.exports = require('./dist/charts/index.js');
