import { describe, expect, it } from 'vitest';
import { assertRecipient } from './recipient.js';

const refused = (f: () => void) => {
  try {
    f();
  } catch (err) {
    return (err as { id: string }).id;
  }
  return undefined;
};

describe('assertRecipient', () => {
  it('refuses each family’s zero / burn address for plain transfers', () => {
    const from = 'sender';
    expect(refused(() => assertRecipient('evm', '0x0000000000000000000000000000000000000000', from, false))).toBe(
      'to_zero_address',
    );
    expect(refused(() => assertRecipient('tron', 'T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb', from, false))).toBe(
      'to_zero_address',
    );
    expect(refused(() => assertRecipient('solana', '11111111111111111111111111111111', from, false))).toBe(
      'to_zero_address',
    );
    expect(
      refused(() =>
        assertRecipient('stellar', 'GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAWHF', from, false),
      ),
    ).toBe('to_zero_address');
  });

  it('refuses the sender itself (EVM and Bitcoin case-insensitively)', () => {
    const evm = '0xdFd8302f44727A6348F702fF7B594f127dE3A902';
    expect(refused(() => assertRecipient('evm', evm.toLowerCase(), evm, false))).toBe('to_is_sender');
    expect(refused(() => assertRecipient('evm', evm, evm, true))).toBe('to_is_sender');
    expect(refused(() => assertRecipient('bitcoin', 'BCRT1QABC', 'bcrt1qabc', false))).toBe('to_is_sender');
    expect(refused(() => assertRecipient('tron', 'TXYZ', 'TXYZ', false))).toBe('to_is_sender');
  });

  it('accepts ordinary recipients, and a Solana transaction that names the System Program', () => {
    expect(refused(() => assertRecipient('evm', '0xdFd8302f44727A6348F702fF7B594f127dE3A902', '0x1', false))).toBe(
      undefined,
    );
    expect(refused(() => assertRecipient('solana', '11111111111111111111111111111111', 'me', true))).toBe(undefined);
    expect(refused(() => assertRecipient('tron', 'TXYZ', 'tXYZ', false))).toBe(undefined); // base58 is case-sensitive
  });
});
