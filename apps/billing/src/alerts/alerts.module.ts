import { type DynamicModule, Module } from '@nestjs/common';
import { AlertEvaluator, AlertService, type Alerts } from '@keymeter/alerts';
import { AlertsController } from './alerts.controller';
import { MeAlertsController } from './me-alerts.controller';

/** Admin alerts API, alert policies and the customer's /v1/me/alerts. */
@Module({})
export class AlertsModule {
  static register(alerts: Pick<Alerts, 'service' | 'evaluator'>): DynamicModule {
    return {
      module: AlertsModule,
      controllers: [AlertsController, MeAlertsController],
      providers: [
        { provide: AlertService, useValue: alerts.service },
        { provide: AlertEvaluator, useValue: alerts.evaluator },
      ],
    };
  }
}
