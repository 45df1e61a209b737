import type { RequestListener, Server } from 'node:http';
import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AppLogger } from '../logging/logger';
import { NestPinoLogger } from '../logging/nest-logger';
import { ApiExceptionFilter } from './api-exception.filter';

export interface HttpAppOptions {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly logger: AppLogger;
  /** Title and description of the OpenAPI document served at /docs. */
  readonly docs?: { readonly title: string; readonly description: string };
  /** Hook to mount raw handlers before Nest's router (e.g. the gateway's proxy). */
  readonly configure?: (app: NestExpressApplication) => void;
  /**
   * Puts a raw listener in front of the app: it receives the app's own handler and returns the listener the
   * server uses (the gateway sends its reserved paths to the app and everything else to its proxy, so
   * proxied calls never go through the framework).
   */
  readonly frontHandler?: (appHandler: RequestListener) => RequestListener;
}

export interface RunningHttpApp {
  readonly name: string;
  readonly app: INestApplication;
  readonly url: string;
  close(): Promise<void>;
}

/** Creates a Nest app with the product's error format, logging and OpenAPI page, and listens. */
export async function startHttpApp(
  module: Type<unknown> | DynamicModule,
  options: HttpAppOptions,
): Promise<RunningHttpApp> {
  const logger = options.logger.child({ app: options.name });
  const app = await NestFactory.create<NestExpressApplication>(module, {
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
  app.disable('x-powered-by');
  app.useGlobalFilters(new ApiExceptionFilter(logger));
  options.configure?.(app);
  if (options.docs) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle(options.docs.title)
        .setDescription(options.docs.description)
        .addBearerAuth()
        .build(),
    );
    SwaggerModule.setup('docs', app, document);
  }
  if (options.frontHandler) {
    await app.init();
    const server: Server = app.getHttpServer();
    const appHandler = app.getHttpAdapter().getInstance() as RequestListener;
    server.removeAllListeners('request');
    server.on('request', options.frontHandler(appHandler));
  }
  await app.listen(options.port, options.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const url = `http://${options.host}:${port}`;
  return { name: options.name, app, url, close: () => app.close() };
}
