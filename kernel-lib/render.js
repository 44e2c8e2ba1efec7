// Root-level entry for Node10 resolution (tslab): `require('@cbm-kit/kernel-lib/render')`.
module.exports = require('./dist/render.js');
