import { Api } from 'telegram';
import { CustomFile } from 'telegram/client/uploads.js';
import type { TelegramClientLike } from './clientLike.js';
import type { MediaFile } from './mediaFile.js';
import { entityOf, type Recipient } from './recipient.js';
import { telegramErrorClassOf } from './telegramErrorClass.js';

/** GramJS's 64-bit integer (the `big-integer` package). */
export type BigInteger = NonNullable<Api.messages.SendMessage['randomId']>;

/** What a bulk send delivers to every recipient. */
export type Content =
  | { readonly kind: 'text'; readonly message: string }
  | {
      readonly kind: 'media';
      readonly file: MediaFile;
      readonly caption: string;
      /** The uploaded file for this session; uploaded once per session and reused (Telethon's advice). */
      readonly upload: (session: string, client: TelegramClientLike) => Promise<Api.TypeInputFile>;
    };

export type DeliveryOutcome = 'sent' | 'already-sent';

/** Upload a media file through the session's own sender (`client.getSender` inside GramJS). */
export function uploadMedia(client: TelegramClientLike, file: MediaFile): Promise<Api.TypeInputFile> {
  return client.uploadFile({ file: new CustomFile(file.name, file.size, file.path), workers: 1 });
}

export function inputMedia(file: MediaFile, uploaded: Api.TypeInputFile): Api.TypeInputMedia {
  if (file.sendAs === 'photo') return new Api.InputMediaUploadedPhoto({ file: uploaded });
  const attributes: Api.TypeDocumentAttribute[] = [
    new Api.DocumentAttributeFilename({ fileName: file.name }),
  ];
  return new Api.InputMediaUploadedDocument({
    file: uploaded,
    mimeType: file.mimeType,
    attributes,
    // A video or audio the caller asked for as a document stays a file, not a player.
    ...(file.mediaType === 'document' ? { forceFile: true } : {}),
  });
}

/**
 * Send one message on one session with the caller's `randomId`, so a repeat of the same
 * request is recognised by Telegram (`RANDOM_ID_DUPLICATE`) and counted as sent. Any other
 * error is thrown as it is, for the pool's `classify`.
 */
export async function deliver(
  client: TelegramClientLike,
  session: string,
  recipient: Recipient,
  content: Content,
  randomId: BigInteger,
): Promise<DeliveryOutcome> {
  const peer = await client.getInputEntity(entityOf(recipient));
  const request =
    content.kind === 'text'
      ? new Api.messages.SendMessage({ peer, message: content.message, randomId })
      : new Api.messages.SendMedia({
          peer,
          media: inputMedia(content.file, await content.upload(session, client)),
          message: content.caption,
          randomId,
        });
  try {
    await client.invoke(request);
    return 'sent';
  } catch (error) {
    // The verdict is kept with the error, so the pool's classify reads it rather than classifying again.
    if (telegramErrorClassOf(error).type === 'already-sent') return 'already-sent';
    throw error;
  }
}
