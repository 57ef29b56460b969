// Reading a raw file for `dmabench ingest`: the first bytes for detection and the whole file as a
// stream, both through gunzip when the file is gzip-compressed (traces are often kept as .gz).
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ParseError } from '../../model/parse-error.js';

async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * The file's content as a byte stream, decompressed when it is gzip. A damaged gzip stream (cut
 * short, corrupted) fails the stream with a ParseError naming the file, like any other bad
 * input; zlib's own errors ("unexpected end of file") would read as an internal failure.
 * `highWaterMark`: the size of the chunks read from the file.
 */
export async function openTextStream(file: string, highWaterMark?: number): Promise<Readable> {
  const raw = createReadStream(file, highWaterMark === undefined ? {} : { highWaterMark });
  if (!(await isGzip(file))) return raw;
  const gunzip = createGunzip();
  const out = new PassThrough();
  raw.on('error', (e) => out.destroy(e));
  gunzip.on('error', (e) => out.destroy(new ParseError(`${file}: damaged gzip data: ${e.message}`)));
  out.on('close', () => {
    raw.destroy();
    gunzip.destroy();
  });
  return raw.pipe(gunzip).pipe(out);
}

/**
 * Calls onChunk with the (decompressed) content, chunk after chunk, in order; memory stays at
 * one chunk. A plain file is read synchronously into one reused buffer of `chunkBytes` (onChunk
 * must not keep the buffer): for a parser that keeps up with the disk, reading through a stream
 * cost a tenth of the run in event-loop round trips.
 */
export async function eachChunk(file: string, chunkBytes: number, onChunk: (chunk: Buffer) => void): Promise<void> {
  if (await isGzip(file)) {
    for await (const chunk of (await openTextStream(file, chunkBytes)) as AsyncIterable<Buffer>) onChunk(chunk);
    return;
  }
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    for (;;) {
      const n = readSync(fd, buf, 0, chunkBytes, null);
      if (n === 0) break;
      onChunk(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}

/** The first `bytes` bytes of the (decompressed) content as text. */
export async function readTextHead(file: string, bytes = 64 * 1024): Promise<string> {
  const stream = await openTextStream(file);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= bytes) break;
    }
  } catch {
    // a truncated gzip still has a readable head
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, bytes).toString('utf8');
}

/** The whole (decompressed) content as text, for parsers that need it all (perf stat). */
export async function readText(file: string): Promise<string> {
  const stream = await openTextStream(file);
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
