import { invalidInput } from '../errors.js';

/** How bytes move between S3 and disk: ranged GETs / multipart parts of `partSize` bytes, `concurrency` at once. */
export interface TransferOptions {
  partSize: number;
  concurrency: number;
}

const MiB = 1024 * 1024;
/**
 * 16 MiB parts, 8 at once: the upper of S3's recommended range sizes (8 or 16 MB). Half the requests of the
 * AWS CLI's 8 MB matters on servers whose cost is per request (moto reads the whole object for every range).
 */
export const DEFAULT_TRANSFER: TransferOptions = { partSize: 16 * MiB, concurrency: 8 };
/** S3 refuses multipart parts under 5 MiB (all but the last). */
export const MIN_UPLOAD_PART = 5 * MiB;

/** Checks transfer options given by a caller (inputs `part-size`, `concurrency` when an action exposes them). */
export function checkTransfer(options: Partial<TransferOptions>, minPart: number): TransferOptions {
  const t = { ...DEFAULT_TRANSFER, ...options };
  if (!Number.isSafeInteger(t.partSize) || t.partSize < minPart) {
    throw invalidInput('part-size', String(t.partSize), `an integer number of bytes, at least ${minPart}`);
  }
  if (!Number.isSafeInteger(t.concurrency) || t.concurrency < 1 || t.concurrency > 64) {
    throw invalidInput('concurrency', String(t.concurrency), 'an integer from 1 to 64');
  }
  return t;
}
