/**
 * Portal's client API (seed 000); bearer = Client Session Token or test client API key.
 *   POST  /v1/generate                          → { SECP256K1: { share, id }, ED25519: { share, id } }
 *   PATCH /api/v3/clients/me/signing-share-pairs  { status: STORED_CLIENT, signingSharePairIds }  → 204
 *   PATCH /api/v3/clients/me/backup-share-pairs   { status: STORED_CLIENT_BACKUP_SHARE[_KEY], backupSharePairIds } → 204
 *   POST  /v1/backup   { generateResponse }     → backup shares, both curves
 *   POST  /v1/recover  { backupResponse }       → new signing shares, same addresses
 *   POST  /v1/sign     { method, params, share, chainId, … } → { data }
 *   POST  /v1/raw/sign/:curve  { param, share } → { data }
 * A share is only accepted for the caller's own wallet; shares are never logged nor echoed in errors.
 */
import { type RequestHandler, Router } from 'express';
import type { Curve } from '../../chains/types.js';
import { ErrorId } from '../../errors/codes.js';
import { systemClock } from '../../portal/credentials.js';
import { confirmPairs } from '../../portal/share-pairs.js';
import { parseClientShare, parseShareResponse, toCurve } from '../../portal/shares.js';
import { type SignTarget, sendIntent, signWithMethod, solanaSendIntent } from '../../portal/sign-methods.js';
import { actorOf, recordAudit } from '../../storage/audit.js';
import { submitTransfer } from '../../transfers/submit.js';
import { type AppDeps, idempotencyScopeOf } from '../context.js';
import { httpError } from '../errors.js';
import {
  backupBody,
  confirmBackupBody,
  confirmSigningBody,
  emptyBody,
  idempotencyKeyHeader,
  parse,
  rawSignBody,
  recoverBody,
  signBody,
} from '../schemas.js';
import { submitDeps } from './transfers.js';

function requireClientCredential(): RequestHandler {
  return (req, _res, next) => {
    if (!req.auth?.clientId || (req.auth.kind !== 'client_session' && req.auth.kind !== 'client_test'))
      return next(httpError(ErrorId.Forbidden, 'this endpoint needs a Client Session Token or a client API key'));
    next();
  };
}

export function portalClientRoutes(deps: AppDeps): Router {
  const r = Router();
  const now = deps.now ?? systemClock;
  const portal = () => {
    if (!deps.clientWallets) throw httpError(ErrorId.Unavailable, 'client wallets are not configured');
    return deps.clientWallets;
  };
  const client = requireClientCredential();

  r.post('/v1/generate', client, async (req, res) => {
    parse(emptyBody, req.body ?? {});
    const shares = await portal().generate(req.auth!.tenantId, req.auth!.clientId!);
    const wallet = await portal().walletOf(req.auth!.clientId!);
    await recordAudit(deps.prisma, {
      tenantId: wallet.tenantId,
      type: 'key_generated',
      actor: actorOf(req.auth),
      walletId: wallet.id,
      details: { custody: 'client' },
    });
    res.json(shares);
  });

  // Portal answers 204 No Content; its SDKs treat anything else as a failure.
  const confirmSigning: RequestHandler = async (req, res) => {
    const body = parse(confirmSigningBody, req.body);
    const wallet = await portal().walletOf(req.auth!.clientId!);
    await confirmPairs(deps.prisma, wallet.id, 'signing', body.signingSharePairIds, body.status, now());
    res.status(204).end();
  };
  r.patch('/api/v3/clients/me/signing-share-pairs', client, confirmSigning);
  r.patch('/v1/signing-share-pairs', client, confirmSigning);
  r.patch('/api/v3/clients/me/backup-share-pairs', client, async (req, res) => {
    const body = parse(confirmBackupBody, req.body);
    const wallet = await portal().walletOf(req.auth!.clientId!);
    await confirmPairs(deps.prisma, wallet.id, 'backup', body.backupSharePairIds, body.status, now());
    res.status(204).end();
  });

  r.post('/v1/backup', client, async (req, res) => {
    const body = parse(backupBody, req.body);
    const wallet = await portal().walletOf(req.auth!.clientId!);
    const out = await portal().backup(wallet, parseShareResponse(body.generateResponse, 'generateResponse'));
    await recordAudit(deps.prisma, {
      tenantId: wallet.tenantId,
      type: 'backup',
      actor: actorOf(req.auth),
      walletId: wallet.id,
    });
    res.json(out);
  });

  r.post('/v1/recover', client, async (req, res) => {
    const body = parse(recoverBody, req.body);
    const wallet = await portal().walletOf(req.auth!.clientId!);
    const out = await portal().recover(wallet, parseShareResponse(body.backupResponse, 'backupResponse'));
    await recordAudit(deps.prisma, {
      tenantId: wallet.tenantId,
      type: 'recover',
      actor: actorOf(req.auth),
      walletId: wallet.id,
      details: { curves: Object.keys(out).join(',') },
    });
    res.json(out);
  });

  r.post('/v1/raw/sign/:curve', client, async (req, res) => {
    const body = parse(rawSignBody, req.body);
    const curve: Curve = toCurve(String(req.params.curve).toUpperCase());
    const digest = (body.param ?? body.params ?? '').replace(/^0x/, '');
    if (!/^([0-9a-fA-F]{2})+$/.test(digest)) throw httpError(ErrorId.BadRequest, 'param must be a hex string');
    if (curve === 'secp256k1' && digest.length !== 64)
      throw httpError(ErrorId.BadRequest, 'SECP256K1 param must be a 32-byte digest (64 hex characters)');
    const info = parseClientShare(body.share);
    if (info.curve !== curve)
      throw httpError(ErrorId.BadRequest, `share is not a ${String(req.params.curve).toUpperCase()} share`);
    const wallet = await portal().walletOf(req.auth!.clientId!);
    const sig = await portal().sign(wallet, info, digest);
    const data = curve === 'secp256k1' ? `${sig.signature}${(27 + (sig.recovery ?? 0)).toString(16)}` : sig.signature;
    res.json({ data: `0x${data}` });
  });

  r.post('/v1/sign', client, async (req, res) => {
    const body = parse(signBody, req.body);
    const adapter = deps.chains.get(body.chainId);
    const info = parseClientShare(body.share);
    const wallet = await portal().walletOf(req.auth!.clientId!);
    if (info.walletId !== wallet.id) throw httpError(ErrorId.WalletNotFound, 'wallet not found');
    if (info.curve !== adapter.curve)
      throw httpError(
        ErrorId.BadRequest,
        `${adapter.network.caip2} signs with ${adapter.curve}: send that curve's share`,
      );
    const target: SignTarget = {
      adapter,
      address: adapter.addressFromPublicKey(deps.wallets.publicKeyFor(wallet, adapter.curve)),
      sign: (payloadHex) => portal().sign(wallet, info, payloadHex),
    };

    if (body.method === 'eth_sendTransaction' || body.method === 'sol_signAndSendTransaction') {
      // Sends go through the transfer workflow: signed once, stored before broadcast, tracked to finality.
      const intent =
        body.method === 'eth_sendTransaction'
          ? await sendIntent(target, body.params)
          : solanaSendIntent(target, body.params);
      const keyHeader = req.header('idempotency-key');
      const key = keyHeader === undefined ? undefined : parse(idempotencyKeyHeader, keyHeader);
      const outcome = await submitTransfer(
        submitDeps(deps),
        {
          tenantId: req.auth!.tenantId,
          clientWalletIds: [wallet.id],
          idempotencyScope: idempotencyScopeOf(req.auth!),
        },
        {
          chain: adapter.network.name,
          walletId: wallet.id,
          share: body.share,
          ...intent,
          ...(body.metadataStr ? { metadataStr: body.metadataStr } : {}),
          ...(body.maxFee !== undefined ? { maxFee: body.maxFee } : {}),
        },
        key,
      );
      res.setHeader('Idempotency-Key', outcome.transfer.idempotencyKey);
      res.status(outcome.kind === 'accepted' ? 202 : 200).json({
        data: outcome.transfer.transactionHash,
        transferId: outcome.transfer.id,
        status: outcome.transfer.status,
      });
      return;
    }
    if (body.maxFee !== undefined)
      throw httpError(ErrorId.BadMaxFee, 'maxFee applies to eth_sendTransaction and sol_signAndSendTransaction only');
    res.json({ data: await signWithMethod(body.method, body.params, target) });
  });

  return r;
}
