/**
 * An OP-stack GasPriceOracle stub for anvil, set with `anvil_setCode` at the predeploy address: `getL1Fee(bytes)`
 * answers the bytes' length × a fixed wei per byte (the real oracle also prices by size, from L1's base and blob
 * fees). anvil itself charges no L1 fee: the stub proves what we budget, not what a chain takes.
 */
import { concatHex, type Hex, numberToHex, type PublicClient } from 'viem';
import { OP_STACK_GAS_PRICE_ORACLE } from '../../chains/evm/l1-fee.js';

/** Runtime code: PUSH1 0x24 CALLDATALOAD (the bytes' length) · PUSH32 price · MUL · MSTORE at 0 · RETURN 32 bytes. */
function stubCode(weiPerByte: bigint): Hex {
  return concatHex(['0x602435', '0x7f', numberToHex(weiPerByte, { size: 32 }), '0x02600052', '0x60206000f3']);
}

/** Installs the stub; the returned function puts back what was there. */
export async function installL1FeeOracle(anvil: PublicClient, weiPerByte: bigint): Promise<() => Promise<void>> {
  const previous = await anvil.getCode({ address: OP_STACK_GAS_PRICE_ORACLE });
  const setCode = (code: Hex) =>
    anvil.request({ method: 'anvil_setCode' as never, params: [OP_STACK_GAS_PRICE_ORACLE, code] as never });
  await setCode(stubCode(weiPerByte));
  return () => setCode(previous ?? '0x');
}
