import { Controller, Get, HttpStatus, Inject, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '@keymeter/platform';
import { DASHBOARD_FILES } from './dashboard-assets';

export const DASHBOARD_ASSETS_DIR = Symbol('DashboardAssetsDir');

/**
 * Same-origin only, no inline script; uPlot sets element styles from script (allowed) and the page loads
 * nothing from elsewhere. No Referer ever leaves the page.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
};

/**
 * The dashboard's page and its bundled assets. The page is the same for every view (the script picks the
 * view from the path); credentials never reach these routes: the portal token travels in the URL fragment
 * and the admin token stays in the browser's sessionStorage, both sent only as bearer headers to the API.
 */
@ApiExcludeController()
@Controller('dashboard')
export class DashboardController {
  constructor(@Inject(DASHBOARD_ASSETS_DIR) private readonly assetsDir: string) {}

  @Get()
  landing(@Res() response: Response): void {
    this.page(response);
  }

  @Get('portal')
  portal(@Res() response: Response): void {
    this.page(response);
  }

  @Get('ops')
  ops(@Res() response: Response): void {
    this.page(response);
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() response: Response): void {
    const type = Object.hasOwn(DASHBOARD_FILES, name) ? DASHBOARD_FILES[name] : undefined;
    if (type === undefined) throw ApiError.notFound(`dashboard asset ${JSON.stringify(name)}`);
    this.send(response, name, type, 'public, max-age=300');
  }

  private page(response: Response): void {
    this.send(response, 'index.html', 'text/html; charset=utf-8', 'no-store');
  }

  private send(response: Response, name: string, type: string, cacheControl: string): void {
    const file = join(this.assetsDir, name);
    if (!existsSync(file)) {
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'dashboard_not_built',
        'the dashboard assets are missing: run `npm run build` (it bundles them into dist/dashboard)',
      );
    }
    response.set({ ...SECURITY_HEADERS, 'Content-Type': type, 'Cache-Control': cacheControl });
    response.sendFile(file);
  }
}
