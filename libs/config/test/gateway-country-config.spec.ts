import { ConfigError, loadConfig } from '@keymeter/config';

describe('gateway country header configuration', () => {
  it("reads Cloudflare's CF-IPCountry by default, as the lower-case name node:http gives headers", () => {
    expect(loadConfig({}).gatewayCountryHeader).toBe('cf-ipcountry');
  });

  it('takes another header, or none when empty', () => {
    expect(loadConfig({ GATEWAY_COUNTRY_HEADER: 'CloudFront-Viewer-Country' }).gatewayCountryHeader).toBe(
      'cloudfront-viewer-country',
    );
    expect(loadConfig({ GATEWAY_COUNTRY_HEADER: '' }).gatewayCountryHeader).toBeUndefined();
  });

  it('refuses a value that is not a header name, naming the variable', () => {
    let error: unknown;
    try {
      loadConfig({ GATEWAY_COUNTRY_HEADER: 'Country: DE' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((issue) => issue.variable)).toEqual(['GATEWAY_COUNTRY_HEADER']);
  });
});
