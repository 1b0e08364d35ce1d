// Loads the Wasm schema engine that the installed `prisma` CLI ships (node_modules/prisma/build/schema_engine_bg.wasm,
// the exact engine build the CLI expects) with the wasm-bindgen JS glue of @prisma/schema-engine-wasm.
// The npm package's own .wasm is a different engine commit; its glue has the same import/export ABI,
// which `loadSchemaEngine` checks before instantiating.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as glue from '@prisma/schema-engine-wasm/schema_engine_bg';

const require = createRequire(import.meta.url);

/** Path of the engine Wasm shipped inside the prisma CLI package. */
export function cliEngineWasmPath() {
  return join(dirname(require.resolve('prisma/package.json')), 'build', 'schema_engine_bg.wasm');
}

/** The Rust panic hook reports its message here (the glue calls `global.PRISMA_WASM_PANIC_REGISTRY.set_message`). */
const panicRegistry = {
  message: '',
  set_message(message) {
    panicRegistry.message = message;
  },
};

export function lastPanicMessage() {
  return panicRegistry.message;
}

let loaded;

/** Instantiates the Wasm once per process and returns the glue's `SchemaEngine` class and `version()`. */
export function loadSchemaEngine() {
  if (loaded) return loaded;
  globalThis.PRISMA_WASM_PANIC_REGISTRY = panicRegistry;
  const glueExports = { ...glue };
  const module = new WebAssembly.Module(readFileSync(cliEngineWasmPath()));
  const missing = WebAssembly.Module.imports(module).filter((i) => typeof glueExports[i.name] !== 'function');
  if (missing.length > 0) {
    throw new Error(
      `@prisma/schema-engine-wasm glue does not match prisma's schema_engine_bg.wasm (missing ${missing
        .map((i) => i.name)
        .join(', ')}): install the @prisma/schema-engine-wasm version that matches @prisma/engines-version`,
    );
  }
  const instance = new WebAssembly.Instance(module, { './schema_engine_bg.js': glue });
  glue.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  loaded = { SchemaEngine: glue.SchemaEngine, version: glue.version };
  return loaded;
}
