import { describe, expect, it } from 'vitest';
import { feeCapEnvKey, maxFeeIssue, parseMaxFee, resolveFeeCaps, satVbCapInKvB } from './fee-caps.js';
import { loadNetworks } from './networks.js';
import type { ChainFamily, FeeCaps } from './types.js';

const REQUIRED: Record<ChainFamily, (keyof FeeCaps)[]> = {
  evm: ['maxFeePerGasWei', 'maxPriorityFeePerGasWei'],
  bitcoin: ['maxFeeRateSatVb'],
  solana: ['maxPriorityMicroLamports'],
  tron: ['feeLimitSun'],
  stellar: ['maxFeePerOpStroops'],
};

describe('per-network fee caps', () => {
  it('every shipped network has the caps of its family', () => {
    for (const n of loadNetworks({})) {
      for (const field of REQUIRED[n.family]) expect(n.feeCaps?.[field], `${n.name}.${field}`).toMatch(/^\d/);
    }
  });

  it('Polygon: its tip cap respects the 25 gwei minimum tip', () => {
    for (const n of loadNetworks({}).filter((x) => x.name.startsWith('polygon'))) {
      expect(BigInt(n.params?.minPriorityFeePerGasWei as string)).toBe(25_000_000_000n);
      expect(BigInt(n.feeCaps!.maxPriorityFeePerGasWei!)).toBeGreaterThan(25_000_000_000n);
    }
  });

  it('env FEE_CAP_<NETWORK>_<FIELD> overrides the file, like RPC_URL_<NETWORK>', () => {
    expect(feeCapEnvKey('base-sepolia', 'maxFeePerGasWei')).toBe('FEE_CAP_BASE_SEPOLIA_MAX_FEE_PER_GAS_WEI');
    const env = { FEE_CAP_ETHEREUM_MAX_FEE_PER_GAS_WEI: '77', FEE_CAP_BITCOIN_MAX_FEE_RATE_SAT_VB: '12.5' };
    const networks = loadNetworks(env);
    expect(networks.find((n) => n.name === 'ethereum')!.feeCaps!.maxFeePerGasWei).toBe('77');
    expect(networks.find((n) => n.name === 'sepolia')!.feeCaps!.maxFeePerGasWei).not.toBe('77');
    const btc = networks.find((n) => n.name === 'bitcoin')!;
    expect(satVbCapInKvB(btc)).toBe(12_500n);
  });

  it('a malformed cap stops the load instead of leaving the network uncapped', () => {
    for (const bad of ['-1', '1e9', '0x10', '', 'ten', '1.5']) {
      expect(() =>
        resolveFeeCaps({ name: 'ethereum', feeCaps: {} }, { FEE_CAP_ETHEREUM_MAX_FEE_PER_GAS_WEI: bad }),
      ).toThrow(/FEE_CAP_ETHEREUM_MAX_FEE_PER_GAS_WEI/);
    }
    expect(() => resolveFeeCaps({ name: 'bitcoin' }, { FEE_CAP_BITCOIN_MAX_FEE_RATE_SAT_VB: '1.2345' })).toThrow();
  });
});

describe('request maxFee', () => {
  it.each([
    ['0.002', 18, 2_000_000_000_000_000n],
    ['1', 8, 100_000_000n],
    ['0.000000000000000001', 18, 1n],
    ['0.00001000', 6, 10n],
  ])('%s with %i decimals → %s base units, exactly', (value, decimals, expected) => {
    expect(parseMaxFee(value, decimals)).toBe(expected);
  });

  it.each(['0', '-1', '1e-3', '0x10', 'abc', '0.0000001', ''])('%j → 400 bad_max_fee', (value) => {
    expect(() => parseMaxFee(value, 6)).toThrow(expect.objectContaining({ id: 'bad_max_fee' }));
  });

  it('compares the estimated fee with maxFee', () => {
    expect(maxFeeIssue(100n, '100', 'wei')).toBeUndefined();
    expect(maxFeeIssue(101n, '100', 'wei')).toMatchObject({ id: 'fee_cap_exceeded' });
    expect(maxFeeIssue(10n ** 30n, undefined, 'wei')).toBeUndefined();
  });
});
