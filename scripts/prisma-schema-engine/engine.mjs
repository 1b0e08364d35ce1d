#!/usr/bin/env node
// A stand-in for Prisma's native `schema-engine` binary, for machines that cannot download it.
// prisma.config.ts points PRISMA_SCHEMA_ENGINE_BINARY at this file; the prisma CLI spawns it like the native engine:
//   engine.mjs [--datamodels <file>]... [--datasource <json>]           JSON-RPC 2.0 server, one message per line on stdio
//   engine.mjs --datasource <json> cli can-connect-to-database|create-database
// Requests are served by the Wasm build of the same engine (see wasm.mjs), which reaches PostgreSQL through
// @prisma/adapter-pg (see adapter.mjs). PostgreSQL only.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createAdapterFactory } from './adapter.mjs';
import { canConnect, createDatabase } from './cli-commands.mjs';
import { logLine } from './log.mjs';
import { lastPanicMessage, loadSchemaEngine } from './wasm.mjs';

const { values: flags, positionals } = parseArgs({
  options: {
    datamodels: { type: 'string', multiple: true },
    datasource: { type: 'string' },
    'enabled-preview-features': { type: 'string' },
    'extension-types': { type: 'string' },
    version: { type: 'boolean', short: 'V' },
    help: { type: 'boolean', short: 'h' },
  },
  allowPositionals: true,
  strict: false,
});

const datasource = flags.datasource ? JSON.parse(flags.datasource) : {};

async function runCliCommand(command) {
  if (!datasource.url) return fail('P1012', 'The datasource has no url.');
  if (command === 'can-connect-to-database') return (await canConnect(datasource.url)) ?? 0;
  if (command === 'create-database') return (await createDatabase(datasource.url)) ?? 0;
  return fail(undefined, `Unknown cli command: ${command}`);
}

function fail(errorCode, message) {
  logLine('INFO', 'Starting schema engine CLI');
  logLine('ERROR', message, errorCode ? { error_code: errorCode } : {});
  return 1;
}

/** JSON-RPC methods the prisma CLI sends whose Wasm method has another name or shape. */
const renamed = { getDatabaseVersion: 'version' };

async function serveJsonRpc() {
  const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
  const pendingPrints = new Map();
  let nextPrintId = 1;
  /** The native engine prints `migrate diff` output by asking the CLI to print it (a `print` request). */
  const print = (content) =>
    new Promise((resolve) => {
      const id = `print-${nextPrintId++}`;
      pendingPrints.set(id, resolve);
      send({ jsonrpc: '2.0', id, method: 'print', params: { content } });
    });

  let enginePromise;
  let adapter;
  const engine = () => {
    if (!enginePromise) {
      enginePromise = (async () => {
        if (!datasource.url)
          throw engineError('P1012', 'The datasource in prisma.config.ts has no url (DATABASE_URL).');
        adapter = createAdapterFactory(datasource);
        // `undefined`, not `[]`, without --datamodels: the engine panics validating an empty list of schema files.
        const datamodels = flags.datamodels?.map((file) => [file, readFileSync(file, 'utf8')]);
        const { SchemaEngine } = loadSchemaEngine();
        return SchemaEngine.new({ datamodels }, (log) => forwardEngineLog(log), adapter.factory);
      })();
    }
    return enginePromise;
  };

  const handle = async (request) => {
    const method = renamed[request.method] ?? request.method;
    const se = await engine();
    if (typeof se[method] !== 'function' || method === 'constructor' || method === 'free') {
      throw engineError(undefined, `The Wasm schema engine does not support the \`${request.method}\` method.`);
    }
    const params = request.params ?? {};
    const result = await se[method](params);
    if (method === 'diff' && result?.stdout) {
      await print(result.stdout);
      return { ...result, stdout: null };
    }
    return result ?? {};
  };

  let current; // the request being served
  const panic = async (error) => {
    if (current) send({ jsonrpc: '2.0', id: current.id, error: toRpcError(error, true) });
    logLine('ERROR', `PANIC: ${lastPanicMessage() || String(error?.stack ?? error)}`);
    await adapter?.dropLeftoverShadowDbs().catch(() => {});
    process.exit(101);
  };
  // A Rust panic inside an async engine method surfaces as a RuntimeError thrown from a wasm-bindgen callback,
  // outside the awaiting code. The engine instance is unusable afterwards, like a crashed native engine.
  process.on('uncaughtException', (error) => void panic(error));
  process.on('unhandledRejection', (error) => void panic(error));

  let queue = Promise.resolve();
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => {
    if (!line.trim()) return;
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
      return;
    }
    if (message.method === undefined && pendingPrints.has(message.id)) {
      pendingPrints.get(message.id)();
      pendingPrints.delete(message.id);
      return;
    }
    // One request at a time, in order, like the native engine's single connector.
    queue = queue.then(async () => {
      current = message;
      try {
        send({ jsonrpc: '2.0', id: message.id, result: await handle(message) });
      } catch (error) {
        if (error instanceof WebAssembly.RuntimeError) return panic(error);
        send({ jsonrpc: '2.0', id: message.id, error: toRpcError(error, false) });
      } finally {
        current = undefined;
      }
    });
  });
  await new Promise((resolve) => lines.once('close', resolve));
  await queue;
  await adapter?.dropLeftoverShadowDbs();
  process.exit(0);
}

function engineError(errorCode, message) {
  return Object.assign(new Error(message), { error_code: errorCode });
}

/** The CLI reads `error.data.{is_panic,message,error_code,meta}` as the native engine sends them. */
function toRpcError(error, panicked) {
  if (panicked) {
    const message = lastPanicMessage() || String(error?.message ?? error);
    return {
      code: 4466,
      message: 'An error happened. Check the data field for details.',
      data: { is_panic: true, message, error: { message }, backtrace: null },
    };
  }
  const data = typeof error === 'object' && error !== null ? error : { message: String(error) };
  const message = data.message ?? String(error);
  return {
    code: 4466,
    message: 'An error happened. Check the data field for details.',
    data: { is_panic: false, message, meta: data.meta ?? null, error_code: data.error_code ?? data.errorCode ?? null },
  };
}

function forwardEngineLog(log) {
  try {
    const parsed = typeof log === 'string' ? JSON.parse(log) : log;
    process.stderr.write(`${JSON.stringify(parsed)}\n`);
  } catch {
    logLine('INFO', String(log));
  }
}

if (flags.version) {
  process.stdout.write(`schema-engine-cli ${loadSchemaEngine().version()} (wasm)\n`);
} else if (flags.help) {
  process.stdout.write('Prisma schema engine (Wasm build behind a Node JSON-RPC shim). See engine.mjs.\n');
} else if (positionals[0] === 'cli') {
  process.exitCode = await runCliCommand(positionals[1]);
} else {
  await serveJsonRpc();
}
