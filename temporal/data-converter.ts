/**
 * The one Temporal data converter of the API, the worker and the workflow bundle: every payload sealed by the
 * codec, and failures' messages and stack traces moved into an encoded payload so history holds no plaintext
 * error text either.
 */
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { type CodecKey, EncryptionCodec } from './codec.js';

/** Also given to bundleWorkflowCode: failures raised in workflow code are converted inside the sandbox. */
export const failureConverterPath = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

export function encryptedDataConverter(key: CodecKey, previous: CodecKey[] = []): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(key, previous)], failureConverterPath };
}
