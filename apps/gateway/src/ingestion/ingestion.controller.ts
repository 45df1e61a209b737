import { Controller, Headers, HttpCode, HttpStatus, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiError } from '@keymeter/platform';
import type { IngestionResult } from './ingestion-result';
import { IngestionService } from './ingestion.service';
import type { RequestWithRawBody } from './raw-body.middleware';
import { mediaType, parseJsonBody, type BodyItem } from './request-body';

@ApiTags('ingestion')
@ApiBearerAuth()
@Controller()
export class IngestionController {
  constructor(private readonly ingestion: IngestionService) {}

  @Post('v1/events')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Ingest a batch of UsageEvent v1 (JSON array, or NDJSON with Content-Type application/x-ndjson)',
  })
  async ingestUsageEvents(
    @Req() req: RequestWithRawBody,
    @Headers('authorization') authorization: string | undefined,
  ): Promise<IngestionResult> {
    this.ingestion.authenticate(authorization);
    const type = mediaType(req.headers['content-type']);
    const body = requireBody(req);
    if (type === 'application/x-ndjson' || type === 'application/jsonl' || type === 'application/json-seq') {
      return this.ingestion.ingestUsageEvents(body, 'ndjson');
    }
    if (type === 'application/json' || type === '') {
      return this.ingestion.ingestUsageEvents(body, 'json-array');
    }
    throw unsupportedMediaType(type, ['application/json', 'application/x-ndjson']);
  }

  @Post('api/v1/events')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary:
      'OpenMeter-compatible ingestion of CloudEvents 1.0 (application/cloudevents+json, application/cloudevents-batch+json, application/json)',
  })
  async ingestCloudEvents(
    @Req() req: RequestWithRawBody,
    @Headers('authorization') authorization: string | undefined,
  ): Promise<IngestionResult> {
    this.ingestion.authenticate(authorization);
    const type = mediaType(req.headers['content-type']);
    const body = requireBody(req);
    let items: BodyItem[];
    if (type === 'application/cloudevents+json') {
      items = parseJsonBody(body, true);
      if (items.length !== 1 || Array.isArray(JSON.parse(body.toString('utf8')))) {
        throw new ApiError(
          HttpStatus.BAD_REQUEST,
          'invalid_request',
          'application/cloudevents+json carries one event; send a batch as application/cloudevents-batch+json',
        );
      }
    } else if (type === 'application/cloudevents-batch+json') {
      items = parseJsonBody(body, false);
    } else if (type === 'application/json' || type === '') {
      items = parseJsonBody(body, true);
    } else {
      throw unsupportedMediaType(type, [
        'application/cloudevents+json',
        'application/cloudevents-batch+json',
        'application/json',
      ]);
    }
    return this.ingestion.ingest(items, 'cloudevent');
  }
}

function requireBody(req: RequestWithRawBody): Buffer {
  if (!req.ingestionBody || req.ingestionBody.length === 0) {
    throw new ApiError(HttpStatus.BAD_REQUEST, 'empty_batch', 'the request has no body');
  }
  return req.ingestionBody;
}

function unsupportedMediaType(type: string, supported: readonly string[]): ApiError {
  return new ApiError(
    HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    'unsupported_media_type',
    `Content-Type ${type || '(none)'} is not accepted here; use ${supported.join(', ')}`,
    { supported },
  );
}
