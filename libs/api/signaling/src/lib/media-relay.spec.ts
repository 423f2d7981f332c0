import { randomBytes } from 'node:crypto';

import {
  frameHeader,
  frameReader,
  MAX_HELLO_BYTES,
  relayHello,
  validRelayHello,
} from './media-relay';

const frame = (type: number, payload: Buffer) =>
  Buffer.concat([frameHeader(type, payload.length), payload]);

describe('relay framing', () => {
  it('splits a byte stream into frames whatever the chunking', () => {
    const frames: [number, string][] = [];
    const read = frameReader(
      (type, payload) => frames.push([type, payload.toString()]),
      () => 1024,
      () => frames.push([-1, 'error']),
    );
    const bytes = Buffer.concat([
      frame(1, Buffer.from('hello')),
      frame(2, Buffer.from('')),
      frame(3, Buffer.from('up')),
    ]);
    for (let i = 0; i < bytes.length; i += 3) read(bytes.subarray(i, i + 3));
    expect(frames).toEqual([
      [1, 'hello'],
      [2, ''],
      [3, 'up'],
    ]);
  });

  it('refuses a frame longer than allowed before buffering it', () => {
    let errors = 0;
    const frames: number[] = [];
    const read = frameReader(
      (type) => frames.push(type),
      () => MAX_HELLO_BYTES,
      () => errors++,
    );
    // Announces 1 GiB: refused on the header alone, and nothing after it is read.
    read(frameHeader(1, 1024 ** 3));
    read(frame(1, Buffer.from('{}')));
    expect(errors).toBe(1);
    expect(frames).toEqual([]);
  });
});

describe('relay opening', () => {
  const key = randomBytes(32);
  const now = 1_800_000_000_000;
  const hello = relayHello(key, 'stream-1', 'node-1', now + 60_000);

  it('accepts its own opening until it expires', () => {
    expect(validRelayHello(key, hello, now)).toBe(true);
    expect(validRelayHello(key, hello, now + 60_001)).toBe(false);
  });

  it('refuses another key, another stream or node, a later expiry, a far future and junk', () => {
    expect(validRelayHello(randomBytes(32), hello, now)).toBe(false);
    expect(validRelayHello(key, { ...hello, streamId: 'stream-2' }, now)).toBe(false);
    expect(validRelayHello(key, { ...hello, node: 'node-2' }, now)).toBe(false);
    expect(validRelayHello(key, { ...hello, expires: hello.expires + 1 }, now)).toBe(false);
    const far = relayHello(key, 'stream-1', 'node-1', now + 3_600_000);
    expect(validRelayHello(key, far, now)).toBe(false);
    for (const junk of [null, 'x', 42, {}, { ...hello, mac: 'zz' }, { ...hello, expires: '1' }])
      expect(validRelayHello(key, junk, now)).toBe(false);
  });
});
