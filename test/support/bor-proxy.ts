/**
 * Anvil in "Bor mode": what Polygon's nodes enforce and anvil does not. A raw transaction whose tip is below
 * 25 gwei (PIP-35) is refused with Bor's own text (geth's txpool `ErrTxGasPriceTooLow`, "%w: gas tip cap %v,
 * minimum needed %v"), and `eth_maxPriorityFeePerGas` answers HTTP 429, as a rate-limited public endpoint does.
 */
import { type Hex, parseTransaction } from 'viem';
import { type ProxiedCall, startHttpProxy } from './http-proxy.js';

export const BOR_MIN_TIP_WEI = 25_000_000_000n;

export interface BorProxy {
  url: string;
  /** Every JSON-RPC method asked, in order. */
  methods: string[];
  /** Raw transactions refused for their tip. */
  refused: Hex[];
  close(): Promise<void>;
}

export async function startBorProxy(anvilUrl: string): Promise<BorProxy> {
  const proxy = await startHttpProxy(anvilUrl);
  const methods: string[] = [];
  const refused: Hex[] = [];
  proxy.setRule((call: ProxiedCall) => {
    const method = call.body.method ?? '';
    methods.push(method);
    if (method === 'eth_maxPriorityFeePerGas')
      return {
        kind: 'respond',
        status: 429,
        body: { error: { code: -32005, message: 'Too many requests, reason: call rate limit exhausted' } },
      };
    if (method === 'eth_sendRawTransaction') {
      const raw = (call.body.params as Hex[])[0]!;
      const tx = parseTransaction(raw);
      const tip = tx.maxPriorityFeePerGas ?? tx.gasPrice ?? 0n;
      if (tip < BOR_MIN_TIP_WEI) {
        refused.push(raw);
        return {
          kind: 'respond',
          body: {
            error: {
              code: -32000,
              message: `transaction gas price below minimum: gas tip cap ${tip}, minimum needed ${BOR_MIN_TIP_WEI}`,
            },
          },
        };
      }
    }
    return undefined;
  });
  return { url: proxy.url, methods, refused, close: () => proxy.close() };
}
