import { carriesH264ParameterSets } from './recording';

describe('carriesH264ParameterSets', () => {
  const sps = [0x67, 0x42, 0xe0, 0x1f];
  const pps = [0x68, 0xce, 0x3c, 0x80];

  it('finds an SPS sent alone or inside a STAP-A aggregate (how browsers send keyframes)', () => {
    expect(carriesH264ParameterSets(Buffer.from(sps))).toBe(true);
    const stapA = Buffer.from([0x78, 0x00, pps.length, ...pps, 0x00, sps.length, ...sps]);
    expect(carriesH264ParameterSets(stapA)).toBe(true);
  });

  it('refuses delta frames, IDR fragments without parameter sets and truncated aggregates', () => {
    expect(carriesH264ParameterSets(Buffer.from([0x41, 0x9a, 0x00]))).toBe(false); // non-IDR slice
    expect(carriesH264ParameterSets(Buffer.from([0x7c, 0x85, 0x88]))).toBe(false); // FU-A of an IDR
    expect(carriesH264ParameterSets(Buffer.from([0x78, 0x00, pps.length, ...pps]))).toBe(false);
    expect(carriesH264ParameterSets(Buffer.from([0x78, 0x00]))).toBe(false);
    expect(carriesH264ParameterSets(Buffer.alloc(0))).toBe(false);
  });
});
