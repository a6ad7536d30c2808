// What passes between GramJS and the scripted Telegram goes through TL bytes, as on the wire:
// requests are decoded from the bytes GramJS serialised, answers are serialised by us and read
// back with the request's own `readResult`, and errors are built as GramJS builds them.
import { Api } from 'telegram';
import { RPCMessageToError } from 'telegram/errors/index.js';
import { BinaryReader } from 'telegram/extensions/index.js';

const VECTOR = 0x1cb5c415;
const BOOL_TRUE = 0x997275b5;
const BOOL_FALSE = 0xbc799737;

function int32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0, 0);
  return b;
}

/** TL bytes of an answer: an object, a vector of objects or a Bool. */
export function encodeAnswer(value: unknown): Buffer {
  if (value === true) return int32(BOOL_TRUE);
  if (value === false) return int32(BOOL_FALSE);
  if (Array.isArray(value))
    return Buffer.concat([int32(VECTOR), int32(value.length), ...value.map(encodeAnswer)]);
  if (typeof value === 'object' && value !== null && 'getBytes' in value) {
    return (value as { getBytes(): Buffer }).getBytes();
  }
  throw new TypeError(`scripted Telegram: cannot serialise an answer of type ${typeof value}`);
}

/** The answer as GramJS's receive loop would hand it over: serialised, then read by the request. */
export function overTheWire(request: Api.AnyRequest, answer: unknown): unknown {
  // Every request class has readResult; the Api typings leave it off AnyRequest.
  const reader = request as unknown as { readResult(reader: BinaryReader): unknown };
  return reader.readResult(new BinaryReader(encodeAnswer(answer)));
}

/** Any TL object (an update, say) after a trip through its bytes. */
export function roundTrip<T extends { getBytes(): Buffer }>(value: T): T {
  return new BinaryReader(value.getBytes()).tgReadObject() as T;
}

/** The request Telegram receives: decoded from the bytes GramJS serialised. */
export function decodeRequest(bytes: Buffer): Api.AnyRequest {
  return new BinaryReader(bytes).tgReadObject() as Api.AnyRequest;
}

/** The HTTP-like code Telegram sends with an error message. */
export function wireCode(message: string): number {
  if (/^(FLOOD_|SLOWMODE_WAIT_|FROZEN_)/.test(message)) return 420;
  if (
    /^(AUTH_KEY_UNREGISTERED|SESSION_REVOKED|SESSION_EXPIRED|USER_DEACTIVATED|USER_DEACTIVATED_BAN|AUTH_KEY_INVALID|SESSION_PASSWORD_NEEDED)$/.test(
      message,
    )
  )
    return 401;
  if (message === 'AUTH_KEY_DUPLICATED') return 406;
  if (message === 'TIMEOUT' || message === 'RPC_CALL_FAIL' || message === 'RPC_MCGET_FAIL') return 500;
  if (
    message === 'USER_PRIVACY_RESTRICTED' ||
    message.startsWith('CHAT_WRITE') ||
    message === 'CHANNEL_PRIVATE'
  )
    return 403;
  return 400;
}

/** An error exactly as GramJS builds it from an `rpc_error` on the wire. */
export function rpcError(message: string, code: number | undefined, request: Api.AnyRequest): Error {
  return RPCMessageToError(
    new Api.RpcError({ errorCode: code ?? wireCode(message), errorMessage: message }),
    request,
  ) as Error;
}
