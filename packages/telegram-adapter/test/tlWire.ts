// What passes between GramJS and the scripted Telegram goes through TL bytes, as on the wire:
// requests are decoded from the bytes GramJS serialised, answers are serialised by us and read
// back with the request's own `readResult`, and errors are built as GramJS builds them.
import { Api } from 'telegram';
import { _handleUpdate } from 'telegram/client/updates.js';
import { RPCMessageToError } from 'telegram/errors/index.js';
import { BinaryReader } from 'telegram/extensions/index.js';
import { translateTl } from '../src/foreignClient.js';

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
  return gramJs.rpcError(message, code, request);
}

/**
 * How the scripted Telegram talks to one client's library. GramJS's own (`gramJs`) or another
 * GramJS-family library's, such as teleproto's, whose TL classes (and layer) are its own: its
 * requests are decoded with its own reader and handed to the scripted Telegram as this
 * package's classes; answers go back in its classes, errors are its own error classes, and
 * updates go through its own update path.
 */
export interface Dialect {
  /** The request Telegram receives, decoded from the bytes the client's library serialised. */
  decodeRequest(bytes: Buffer): Api.AnyRequest;
  /** The answer as the client's receive loop would hand it over. */
  overTheWire(request: unknown, answer: unknown): unknown;
  /** An error as the client's library builds it from an `rpc_error`. */
  rpcError(message: string, code: number | undefined, request: unknown): Error;
  /** An update (or a connection state: -1, 0, 1) through the library's own update path. */
  handleUpdate(client: unknown, update: Api.TypeUpdates | number): void;
}

/** The parts of a GramJS-family library a dialect needs. */
export interface TlLibrary {
  readonly Api: object;
  readonly BinaryReader: new (data: Buffer) => { tgReadObject(): unknown };
  readonly RPCMessageToError: (rpcError: unknown, request: unknown) => unknown;
  readonly handleUpdate: (client: never, update: never) => void;
}

/** A dialect for `library`; answers and updates built with this package's classes are translated by class name. */
export function dialectOf(library: TlLibrary): Dialect {
  const ours = library.Api === Api;
  const theirs = <T>(value: T): T => (ours ? value : translateTl(value, library.Api));
  return {
    decodeRequest: (bytes) => {
      const decoded = new library.BinaryReader(bytes).tgReadObject();
      return (ours ? decoded : translateTl(decoded, Api)) as Api.AnyRequest;
    },
    overTheWire: (request, answer) => {
      const reader = request as { readResult(reader: unknown): unknown };
      return reader.readResult(new library.BinaryReader(encodeAnswer(theirs(answer))));
    },
    rpcError: (message, code, request) => {
      const RpcError = (library.Api as { RpcError: new (args: object) => unknown }).RpcError;
      return library.RPCMessageToError(
        new RpcError({ errorCode: code ?? wireCode(message), errorMessage: message }),
        request,
      ) as Error;
    },
    handleUpdate: (client, update) => {
      const wired =
        typeof update === 'number'
          ? update
          : new library.BinaryReader(theirs(update).getBytes()).tgReadObject();
      library.handleUpdate(client as never, wired as never);
    },
  };
}

/** GramJS's own dialect: the `telegram` package this adapter is built on. */
export const gramJs: Dialect = dialectOf({
  Api,
  BinaryReader,
  RPCMessageToError: RPCMessageToError as TlLibrary['RPCMessageToError'],
  handleUpdate: _handleUpdate as TlLibrary['handleUpdate'],
});
