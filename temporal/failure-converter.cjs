// Loaded by path (DataConverter.failureConverterPath) by the worker, the client and the workflow bundle, so
// failure messages and stack traces travel as an encoded payload: the codec encrypts them in history.
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
