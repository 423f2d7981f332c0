import { isScope, SCOPES } from './scopes';

describe('scopes', () => {
  it('lists the contract scopes, each once', () => {
    expect(new Set(SCOPES).size).toBe(SCOPES.length);
    expect(SCOPES).toContain('chat:write');
  });

  it('recognizes only listed scope names', () => {
    expect(isScope('chat:write')).toBe(true);
    expect(isScope('chat:WRITE')).toBe(false);
    expect(isScope('admin')).toBe(false);
    expect(isScope(undefined)).toBe(false);
  });
});
