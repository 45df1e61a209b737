import { Controller, Get, HttpStatus, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { ApiError } from '@keymeter/platform';
import { AdminAuth } from '../auth';
import { readPipelineHealth, type PipelineHealth, type PipelineHealthOptions } from './pipeline-health';

export const PIPELINE_OPTIONS = Symbol('PipelineHealthOptions');

/** What the ops view shows of the ingestion pipeline: consumer lag and dead letters. */
@ApiTags('usage')
@AdminAuth()
@Controller('v1/pipeline')
export class PipelineController {
  constructor(@Inject(PIPELINE_OPTIONS) private readonly options: PipelineHealthOptions | null) {}

  @Get()
  @ApiOkResponse({
    description: 'Consumer lag per partition and in total, dead-letter events, event log health',
  })
  @ApiServiceUnavailableResponse({ description: 'This billing app has no event log' })
  health(): Promise<PipelineHealth> {
    if (this.options === null) {
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'unavailable',
        'pipeline health needs the event log',
      );
    }
    return readPipelineHealth(this.options);
  }
}
