import { PresenceStore } from './presence.store';

describe('PresenceStore', () => {
  it('counts a signed-in user once across tabs and each anonymous connection once', () => {
    const store = new PresenceStore();
    store.join('s', 'user:alice');
    expect(store.join('s', 'user:alice')).toEqual({ count: 1, edge: false });
    store.join('s', 'conn:1');
    store.join('s', 'conn:2');
    expect(store.count('s')).toBe(3);
    expect(store.leave('s', 'user:alice')).toEqual({ count: 3, edge: false });
    expect(store.leave('s', 'user:alice')).toEqual({ count: 2, edge: true });
    expect(store.leave('s', 'user:alice')).toEqual({ count: 2, edge: false });
    expect(store.count('other')).toBe(0);
  });
});
