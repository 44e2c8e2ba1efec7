// Root-level entry for Node10 resolution (tslab): `require('@cbm-kit/kernel-lib/datasets')`.
module.exports = require('./dist/datasets.js');
