/** Endpoint signing secrets at rest: sealed with the same envelope encryption as key shares, bound to the endpoint. */
import type { Envelope } from '../signer/envelope.js';

/** The envelope context of an endpoint's secret (also used by `npm run keys:rewrap`). */
export const webhookSecretContext = (endpointId: string, slot: 'current' | 'previous') => ({
  walletId: `webhook:${endpointId}`,
  curve: 'hmac-sha256',
  party: `webhook-secret-${slot}`,
});

export class WebhookSecrets {
  constructor(private readonly envelope: Envelope) {}

  seal(endpointId: string, secret: string, slot: 'current' | 'previous' = 'current'): Promise<string> {
    return this.envelope.sealToString(secret, webhookSecretContext(endpointId, slot));
  }

  open(endpointId: string, sealed: string, slot: 'current' | 'previous' = 'current'): Promise<string> {
    return this.envelope.openFromString(sealed, webhookSecretContext(endpointId, slot));
  }

  /** The secrets that sign now: the current one, plus the previous one during the rotation overlap. */
  async signing(
    endpoint: {
      id: string;
      secretCiphertext: string;
      previousSecretCiphertext: string | null;
      previousSecretExpiresAt: Date | null;
    },
    now: Date,
  ): Promise<string[]> {
    const out = [await this.open(endpoint.id, endpoint.secretCiphertext)];
    if (endpoint.previousSecretCiphertext && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now)
      out.push(await this.open(endpoint.id, endpoint.previousSecretCiphertext, 'previous'));
    return out;
  }
}
