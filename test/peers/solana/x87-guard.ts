/**
 * Works around a litesvm 0.8 bug: running some SBF programs (e.g. the Associated Token Account program, which
 * makes CPIs) returns with entries left on the thread's x87 FPU register stack (tag word 0x0156 instead of 0xffff).
 * The next libstdc++ `long double` computation in V8's garbage collector (PretenuringHandler's hashtable rehash)
 * then reads garbage and the process dies with `std::bad_alloc`. Reproduced with plain litesvm and `global.gc()`.
 *
 * The fix is one `emms` instruction (marks all x87 registers empty) after every litesvm call. JavaScript cannot
 * execute it, so a 10-line N-API addon is compiled once with the system C compiler and cached in the temp dir.
 * Without a compiler the peer still runs, but transactions that create token accounts may crash the process.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const SOURCE = `#include <node_api.h>
static napi_value reset(napi_env env, napi_callback_info info) {
  __asm__ volatile("emms");
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}
NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "resetX87", NAPI_AUTO_LENGTH, reset, NULL, &fn);
  napi_set_named_property(env, exports, "resetX87", fn);
  return exports;
}
`;

function nodeIncludeDir(): string | undefined {
  const candidates = [
    join(dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  return candidates.find((d) => existsSync(join(d, 'node_api.h')));
}

function compile(): (() => void) | null {
  if (process.arch !== 'x64') return () => {};
  const include = nodeIncludeDir();
  if (!include) return null;
  const hash = createHash('sha256').update(SOURCE).update(process.version).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), 'solana-test-peer');
  const target = join(dir, `x87-reset-${hash}.node`);
  if (!existsSync(target)) {
    mkdirSync(dir, { recursive: true });
    const unique = `${process.pid}-${Date.now()}`;
    const src = join(dir, `x87-reset-${unique}.c`);
    const out = join(dir, `x87-reset-${unique}.node`);
    writeFileSync(src, SOURCE);
    try {
      execFileSync('cc', ['-shared', '-fPIC', '-O2', `-I${include}`, '-o', out, src], { stdio: 'pipe' });
    } catch {
      return null;
    }
    renameSync(out, target); // atomic: parallel test processes never load a half-written file
  }
  const mod = createRequire(import.meta.url)(target) as { resetX87: () => void };
  return mod.resetX87;
}

let cached: (() => void) | null | undefined;

/** Returns a function that clears the x87 register stack, or null (with a warning) when it cannot be built. */
export function x87Reset(): () => void {
  if (cached === undefined) {
    cached = compile();
    if (!cached) {
      console.warn('solana test peer: no C compiler/node headers; litesvm x87 workaround disabled (see x87-guard.ts)');
    }
  }
  return cached ?? (() => {});
}
