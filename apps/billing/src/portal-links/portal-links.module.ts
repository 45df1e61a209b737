import { Module } from '@nestjs/common';
import { PortalLinksController } from './portal-links.controller';

/** Admin routes of portal links; the service comes from the global AuthModule (the guard needs it too). */
@Module({ controllers: [PortalLinksController] })
export class PortalLinksModule {}
