import { Api } from 'telegram';
import { RPCMessageToError } from 'telegram/errors/index.js';

// The HTTP-like codes Telegram pairs with each error message.
const CODES: Readonly<Record<string, number>> = {
  AUTH_KEY_UNREGISTERED: 401,
  USER_PRIVACY_RESTRICTED: 403,
  RPC_CALL_FAIL: 500,
  TIMEOUT: 500,
};

/**
 * The error GramJS itself would throw for this answer: `FLOOD_WAIT_30` becomes a
 * `FloodWaitError` with `seconds === 30`, anything else an `RPCError` with the raw message.
 */
export function rpcError(message: string, request: Api.AnyRequest): Error {
  const code = CODES[message] ?? (message.startsWith('FLOOD_WAIT_') ? 420 : 400);
  return RPCMessageToError(new Api.RpcError({ errorCode: code, errorMessage: message }), request) as Error;
}
