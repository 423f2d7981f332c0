import type { LookupAddress } from 'node:dns';

import {
  checkedAddresses,
  guardedLookup,
  isPublicAddress,
  parseWebhookUrl,
  RefusedUrlError,
  type UrlPolicy,
} from './webhook-url';

const strict: UrlPolicy = { allowPrivate: false, httpsOnly: true };
const open: UrlPolicy = { allowPrivate: true, httpsOnly: false };
const resolving =
  (...addresses: string[]) =>
  (): Promise<LookupAddress[]> =>
    Promise.resolve(
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

describe('webhook URL policy', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
  ])('refuses the non-public address %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.4.4'])(
    'accepts the public address %s',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );

  it('refuses other schemes, credentials, and http when https is required', () => {
    expect(() => parseWebhookUrl('ftp://example.com/', open)).toThrow(RefusedUrlError);
    expect(() => parseWebhookUrl('not a url', open)).toThrow('absolute http(s) URL');
    expect(() => parseWebhookUrl('https://u:p@example.com/', open)).toThrow('credentials');
    expect(() => parseWebhookUrl('http://example.com/', strict)).toThrow('https');
    expect(parseWebhookUrl('http://example.com/hook', open).pathname).toBe('/hook');
  });

  it('refuses a host when any of its addresses is private, unless private addresses are allowed', async () => {
    await expect(
      checkedAddresses('hooks.example', strict, resolving('8.8.8.8', '10.0.0.5')),
    ).rejects.toThrow('public addresses only');
    await expect(checkedAddresses('127.0.0.1', strict)).rejects.toThrow('public addresses only');
    await expect(checkedAddresses('[::1]', strict)).rejects.toThrow('public addresses only');
    await expect(checkedAddresses('127.0.0.1', open)).resolves.toEqual([
      { address: '127.0.0.1', family: 4 },
    ]);
    await expect(
      checkedAddresses('hooks.example', strict, resolving('8.8.8.8')),
    ).resolves.toHaveLength(1);
    await expect(
      checkedAddresses('nowhere.example', strict, () => Promise.reject(new Error('ENOTFOUND'))),
    ).rejects.toThrow('does not resolve');
  });

  it('connects only to the address it checked: a name rebound to a private address fails the lookup', async () => {
    const lookup = guardedLookup(strict, resolving('192.168.0.10'));
    const error = await new Promise<Error | null>((resolve) =>
      lookup('rebound.example', { all: true }, (err) => resolve(err)),
    );
    expect(error).toBeInstanceOf(RefusedUrlError);

    const ok = guardedLookup(strict, resolving('8.8.8.8'));
    const address = await new Promise<string>((resolve) =>
      ok('public.example', {}, (_err, value) => resolve(value as string)),
    );
    expect(address).toBe('8.8.8.8');
  });
});
