import { checkChatBody, findBlockedTerm, MessageType } from './chat';

describe('checkChatBody', () => {
  it('trims and classifies text and emoji-only bodies', () => {
    expect(checkChatBody('  buy the dip  ')).toEqual({
      ok: true,
      body: 'buy the dip',
      type: MessageType.TEXT,
    });
    expect(checkChatBody('🚀🚀 📈')).toMatchObject({ type: MessageType.EMOJI });
    expect(checkChatBody('🇺🇸👍🏽❤️')).toMatchObject({ type: MessageType.EMOJI });
    expect(checkChatBody('👨‍👩‍👧')).toMatchObject({ type: MessageType.EMOJI });
    expect(checkChatBody('to the moon 🚀')).toMatchObject({ type: MessageType.TEXT });
    expect(checkChatBody('123')).toMatchObject({ type: MessageType.TEXT });
  });

  it('keeps HTML and newlines exactly as sent', () => {
    expect(checkChatBody('<b>hi</b>\nthere')).toMatchObject({ ok: true, body: '<b>hi</b>\nthere' });
  });

  it('counts code points, not UTF-16 units: 500 emoji pass, 501 characters do not', () => {
    expect(checkChatBody('😀'.repeat(500)).ok).toBe(true);
    expect(checkChatBody('a'.repeat(501)).ok).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['spaces', '   \n  '],
    ['zero-width only', '\u200b\u200d\ufeff'],
    ['NUL', 'a\u0000b'],
    ['carriage return', 'a\rb'],
    ['escape', 'a\u001b[31mred'],
    ['C1 control', 'a\u0085b'],
    ['lone surrogate', 'a\ud800b'],
  ])('refuses %s', (_name, body) => {
    expect(checkChatBody(body).ok).toBe(false);
  });
});

describe('findBlockedTerm', () => {
  it('finds a term anywhere, ignoring case', () => {
    expect(findBlockedTerm('Join my PUMP group', ['pump', 'scam'])).toBe('pump');
    expect(findBlockedTerm('fine message', ['pump'])).toBeUndefined();
  });
});
