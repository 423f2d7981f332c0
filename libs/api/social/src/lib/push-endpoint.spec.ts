import { isPrivateAddress, pushEndpointRefusal } from './push-endpoint';

const publicDns = () => Promise.resolve(['142.250.74.42']);
const privateDns = () => Promise.resolve(['10.1.2.3']);

describe('push endpoint validation', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.5',
    '172.20.1.1',
    '192.168.1.1',
    '169.254.169.254',
    '::1',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '0.0.0.0',
  ])('%s is private', (address) => expect(isPrivateAddress(address)).toBe(true));

  it.each(['142.250.74.42', '2a00:1450:4007:80e::200a', '::ffff:8.8.8.8'])(
    '%s is public',
    (address) => expect(isPrivateAddress(address)).toBe(false),
  );

  it('accepts an https endpoint on a public host', async () => {
    expect(
      await pushEndpointRefusal('https://fcm.googleapis.com/fcm/send/abc', false, publicDns),
    ).toBeNull();
  });

  it('refuses http, credentials, loopback, private addresses and names resolving to them', async () => {
    expect(await pushEndpointRefusal('http://push.example.com/x', false, publicDns)).toMatch(
      /https/,
    );
    expect(await pushEndpointRefusal('https://u:p@push.example.com/x', false, publicDns)).toMatch(
      /credentials/,
    );
    expect(await pushEndpointRefusal('https://127.0.0.1/x', false, publicDns)).toMatch(/public/);
    expect(await pushEndpointRefusal('https://[::1]/x', false, publicDns)).toMatch(/public/);
    expect(await pushEndpointRefusal('https://localhost/x', false, publicDns)).toMatch(/public/);
    expect(await pushEndpointRefusal('https://internal.example.com/x', false, privateDns)).toMatch(
      /public/,
    );
    expect(await pushEndpointRefusal('not a url', false, publicDns)).toMatch(/URL/);
    expect(await pushEndpointRefusal('ftp://push.example.com/x', false, publicDns)).toMatch(
      /https/,
    );
  });

  it('accepts a local http push service only when private endpoints are allowed', async () => {
    expect(await pushEndpointRefusal('http://127.0.0.1:9000/push/1', true)).toBeNull();
    expect(await pushEndpointRefusal('http://127.0.0.1:9000/push/1', false)).not.toBeNull();
  });
});
