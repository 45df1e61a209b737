import { HttpStatus } from '@nestjs/common';
import { ApiError } from '@keymeter/platform';
import type { NextFunction, Request, Response } from 'express';

/** The request body as read by `readRawBody`, kept on the request for the ingestion controller. */
export interface RequestWithRawBody extends Request {
  ingestionBody?: Buffer;
}

/**
 * Reads the whole body into a Buffer, refusing it with 413 as soon as it passes `maxBytes` (declared
 * Content-Length or bytes received). Runs before the app's JSON body parser, whose 100 kB default is
 * far below a batch of events; once the stream is consumed, that parser skips the request.
 */
export function readRawBody(maxBytes: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'POST') {
      next();
      return;
    }
    const tooLarge = (): ApiError =>
      new ApiError(
        HttpStatus.PAYLOAD_TOO_LARGE,
        'payload_too_large',
        `request body exceeds the limit of ${maxBytes} bytes`,
        { maxBodyBytes: maxBytes },
      );
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      req.resume();
      next(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    let finished = false;
    req.on('data', (chunk: Buffer) => {
      if (finished) return;
      received += chunk.length;
      if (received > maxBytes) {
        finished = true;
        chunks.length = 0;
        next(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (finished) return;
      finished = true;
      (req as RequestWithRawBody).ingestionBody = Buffer.concat(chunks, received);
      next();
    });
    req.on('error', (error) => {
      if (finished) return;
      finished = true;
      next(error);
    });
  };
}
