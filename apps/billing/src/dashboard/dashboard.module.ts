import { type DynamicModule, Module } from '@nestjs/common';
import { dashboardAssetsDir } from './dashboard-assets';
import { DASHBOARD_ASSETS_DIR, DashboardController } from './dashboard.controller';
import { PIPELINE_OPTIONS, PipelineController } from './pipeline.controller';
import type { PipelineHealthOptions } from './pipeline-health';

export interface DashboardModuleOptions {
  /** Where the built assets are; default dist/dashboard of this repository. */
  readonly assetsDir?: string;
  /** Event log and topics for GET /v1/pipeline; absent: that route answers 503. */
  readonly pipeline?: PipelineHealthOptions;
}

/** The dashboard page and assets under /dashboard, and the pipeline summary its ops view reads. */
@Module({})
export class DashboardModule {
  static register(options: DashboardModuleOptions = {}): DynamicModule {
    return {
      module: DashboardModule,
      controllers: [DashboardController, PipelineController],
      providers: [
        { provide: DASHBOARD_ASSETS_DIR, useValue: options.assetsDir ?? dashboardAssetsDir() },
        { provide: PIPELINE_OPTIONS, useValue: options.pipeline ?? null },
      ],
    };
  }
}
