import { consentError } from './oauth-consent';

describe('consentError', () => {
  it('says the request expired for NOT_FOUND (a used, expired or unknown uid)', () => {
    expect(consentError(404, { code: 'NOT_FOUND', message: 'x' })).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('expired'),
    });
  });

  it('describes other refusals by their contract code, never with the server’s text', () => {
    const error = consentError(403, {
      code: 'FORBIDDEN',
      message: 'server words',
      sessionRequired: true,
    });
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).not.toContain('server words');
  });
});
