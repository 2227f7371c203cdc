// Starts s3rver (the @20minutes fork, which verifies SigV4) on 127.0.0.1 and
// an ephemeral port, prints "listening PORT", then one line per request
// ("info: KEY?QUERY STATUS ..."), and runs until killed.
// Usage: node s3rver_main.js MODULE_DIR DATA_DIR BUCKET [conditional-writes]
//
// s3rver ignores If-None-Match on writes (it overwrites). With
// "conditional-writes" a PUT or a CompleteMultipartUpload carrying
// "If-None-Match: *" is refused with 412 PreconditionFailed when the key
// exists or another such write of it is in progress, as AWS S3 does since
// 2024 (one writer wins, the others get 412); so is GCS's create-only
// "x-goog-if-generation-match: 0". Checked before the signature:
// a test emulator only.
'use strict';
const [moduleDir, directory, bucket, option] = process.argv.slice(2);
const S3rver = require(moduleDir);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: false,
  directory,
  configureBuckets: [{ name: bucket, configs: [] }],
});
if (option === 'conditional-writes') {
  const writing = new Set();
  server.middleware.unshift(async (ctx, next) => {
    const creates =
      (ctx.method === 'PUT' && !('partNumber' in ctx.query) && !('uploadId' in ctx.query)) ||
      (ctx.method === 'POST' && 'uploadId' in ctx.query);
    const createOnly = ctx.get('if-none-match') === '*' || ctx.get('x-goog-if-generation-match') === '0';
    if (!creates || !createOnly) return next();
    const [, name, ...rest] = ctx.path.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const id = name + '/' + key;
    const refuse = () => {
      ctx.status = 412;
      ctx.type = 'application/xml';
      ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code>' +
        '<Message>At least one of the pre-conditions you specified did not hold</Message></Error>';
    };
    if (writing.has(id)) return refuse();
    writing.add(id);  // before any await: the event loop runs one check at a time
    try {
      if (await server.store.existsObject(name, key)) return refuse();
      await next();
    } finally {
      writing.delete(id);
    }
  });
}
server.run((err, address) => {
  if (err) {
    console.error(String(err));
    process.exit(1);
  }
  console.log('listening ' + address.port);
});
