import { type DynamicModule, Inject, Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { IngestionController } from './ingestion.controller';
import {
  DEFAULT_INGESTION_LIMITS,
  INGESTION_OPTIONS,
  INGESTION_PATHS,
  type IngestionModuleOptions,
} from './ingestion.options';
import { IngestionService } from './ingestion.service';
import { readRawBody } from './raw-body.middleware';

/**
 * `POST /v1/events` and `POST /api/v1/events`. The bounded raw-body reader is mounted on the HTTP
 * adapter when the module is instantiated, i.e. before the app's global JSON body parser, so the
 * ingestion limit (default 5 MiB), not the parser's 100 kB default, governs these two paths.
 */
@Module({})
export class IngestionModule {
  constructor(adapterHost: HttpAdapterHost, @Inject(INGESTION_OPTIONS) options: IngestionModuleOptions) {
    const maxBodyBytes = options.limits?.maxBodyBytes ?? DEFAULT_INGESTION_LIMITS.maxBodyBytes;
    const reader = readRawBody(maxBodyBytes);
    for (const path of INGESTION_PATHS) adapterHost.httpAdapter.use(path, reader);
  }

  static register(options: IngestionModuleOptions): DynamicModule {
    return {
      module: IngestionModule,
      controllers: [IngestionController],
      providers: [{ provide: INGESTION_OPTIONS, useValue: options }, IngestionService],
    };
  }
}
