// Starts s3rver (the @20minutes fork, which verifies SigV4) on 127.0.0.1 and
// an ephemeral port, prints "listening PORT", then one line per request
// ("info: KEY?QUERY STATUS ..."), and runs until killed.
// Usage: node s3rver_main.js MODULE_DIR DATA_DIR BUCKET
'use strict';
const [moduleDir, directory, bucket] = process.argv.slice(2);
const S3rver = require(moduleDir);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: false,
  directory,
  configureBuckets: [{ name: bucket, configs: [] }],
});
server.run((err, address) => {
  if (err) {
    console.error(String(err));
    process.exit(1);
  }
  console.log('listening ' + address.port);
});
