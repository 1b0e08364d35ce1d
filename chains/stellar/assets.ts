/** Token names → assets: `XLM`/`NATIVE`, a configured symbol (`USDC`), or a `CODE:ISSUER` string. */
import { Asset } from '@stellar/stellar-sdk';
import { badRequest, ErrorId } from '../../errors/codes.js';
import type { NetworkConfig, ResolvedToken } from '../types.js';
import { isStellarAddress } from './address.js';

/** Credit assets use 7 decimal places, like XLM. */
export const STELLAR_DECIMALS = 7;

export function parseAssetId(id: string): { code: string; issuer: string } | null {
  const [code, issuer, ...rest] = id.split(':');
  if (rest.length || !code || !issuer) return null;
  if (!/^[A-Za-z0-9]{1,12}$/.test(code) || !isStellarAddress(issuer)) return null;
  return { code, issuer };
}

export function resolveStellarToken(network: NetworkConfig, token: string): ResolvedToken {
  const t = typeof token === 'string' ? token.trim() : '';
  if (t.toUpperCase() === 'NATIVE' || t.toUpperCase() === network.nativeSymbol.toUpperCase()) {
    return { kind: 'native', symbol: network.nativeSymbol, decimals: network.nativeDecimals };
  }
  for (const [symbol, cfg] of Object.entries(network.tokens)) {
    if (symbol.toUpperCase() === t.toUpperCase() || cfg.address === t) {
      return { kind: 'token', address: cfg.address, decimals: cfg.decimals, symbol: cfg.symbol };
    }
  }
  const parsed = parseAssetId(t);
  if (parsed) {
    return {
      kind: 'token',
      address: `${parsed.code}:${parsed.issuer}`,
      decimals: STELLAR_DECIMALS,
      symbol: parsed.code,
    };
  }
  throw badRequest(`token ${JSON.stringify(token)} is not supported on ${network.name}`, ErrorId.TokenUnsupported);
}

export function toSdkAsset(token: ResolvedToken): Asset {
  if (token.kind === 'native') return Asset.native();
  const parsed = parseAssetId(token.address);
  if (!parsed) throw badRequest(`not a Stellar asset: ${token.address}`, ErrorId.TokenUnsupported);
  return new Asset(parsed.code, parsed.issuer);
}
