import { randomBytes } from 'node:crypto';

import { bindingRequestUfrag } from './udp-mux';

/** A STUN message: type, the magic cookie, a transaction id, then the attributes. */
function stun(type: number, attributes: [number, Buffer][]): Buffer {
  const body = Buffer.concat(
    attributes.map(([attributeType, value]) => {
      const header = Buffer.alloc(4);
      header.writeUInt16BE(attributeType, 0);
      header.writeUInt16BE(value.length, 2);
      return Buffer.concat([header, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
    }),
  );
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(body.length, 2);
  header.writeUInt32BE(0x2112a442, 4);
  randomBytes(12).copy(header, 8);
  return Buffer.concat([header, body]);
}

describe('bindingRequestUfrag', () => {
  it('reads the local ufrag of a Binding request, after other attributes', () => {
    const priority = Buffer.alloc(4);
    priority.writeUInt32BE(1853817087, 0);
    const request = stun(0x0001, [
      [0x0024, priority],
      [0x0006, Buffer.from('Ab3x:remoteFrag')],
      [0x8028, Buffer.alloc(4)],
    ]);
    expect(bindingRequestUfrag(request)).toBe('Ab3x');
  });

  it('ignores responses, other messages, a USERNAME without a colon, and media', () => {
    expect(bindingRequestUfrag(stun(0x0101, [[0x0006, Buffer.from('a:b')]]))).toBeUndefined();
    expect(bindingRequestUfrag(stun(0x0001, [[0x0006, Buffer.from('nocolon')]]))).toBeUndefined();
    expect(bindingRequestUfrag(stun(0x0001, []))).toBeUndefined();
    const rtp = Buffer.from([0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, ...randomBytes(100)]);
    expect(bindingRequestUfrag(rtp)).toBeUndefined();
  });

  it('stays within the datagram: truncated and random input never throw', () => {
    const whole = stun(0x0001, [[0x0006, Buffer.from('abcd:efgh')]]);
    // Cut anywhere: nothing, or (once the USERNAME value is whole, only padding missing) 'abcd'.
    for (let cut = 0; cut < whole.length; cut++)
      expect([undefined, cut >= 20 + 4 + 9 ? 'abcd' : undefined]).toContain(
        bindingRequestUfrag(whole.subarray(0, cut)),
      );
    for (let i = 0; i < 2000; i++) {
      const noise = randomBytes(20 + (i % 80));
      noise.writeUInt16BE(0x0001, 0);
      noise.writeUInt32BE(0x2112a442, 4);
      expect(() => bindingRequestUfrag(noise)).not.toThrow();
    }
  });
});
