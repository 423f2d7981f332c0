import { signal } from '@angular/core';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { MatSnackBar } from '@angular/material/snack-bar';
import { provideRouter, Router } from '@angular/router';
import { jest } from '@jest/globals';
import {
  APOLLO_TESTING_CACHE,
  ApolloTestingController,
  ApolloTestingModule,
} from 'apollo-angular/testing';
import { Subject } from 'rxjs';

import { CHAT_REACTIONS, ErrorCode } from '@finserve/shared';
import { AuthService, createCache, GraphqlSocket } from '@finserve/web/data-access';

import { ChatPanelComponent } from './chat-panel.component';
import type { ChatMessageFieldsFragment } from './graphql.generated';

/** Lets Apollo deliver what a test flushed (it answers asynchronously), then renders. */
async function settle(fixture: ComponentFixture<unknown>): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve));
  await fixture.whenStable();
}

const ada = { __typename: 'User', id: 'u1', username: 'ada', displayName: 'Ada' };
const bob = { __typename: 'User', id: 'u2', username: 'bob', displayName: 'Bob' };

function chatMessage(
  id: string,
  body: string,
  extra: Partial<ChatMessageFieldsFragment> = {},
): ChatMessageFieldsFragment & { __typename: string } {
  return {
    __typename: 'ChatMessage',
    id,
    streamId: 'stream-1',
    type: 'TEXT',
    body,
    deleted: false,
    createdAt: `2026-01-02T10:${id.padStart(2, '0')}:00.000Z`,
    author: ada,
    tip: null,
    ...extra,
  };
}

describe('ChatPanelComponent', () => {
  let controller: ApolloTestingController;
  const signedIn = signal(false);
  const reconnected = new Subject<void>();
  const snackBar = { open: jest.fn() };

  beforeEach(() => {
    signedIn.set(false);
    TestBed.configureTestingModule({
      imports: [ApolloTestingModule],
      providers: [
        // Any URL is a page, so a test can put the panel on one (the sign-in link returns there).
        provideRouter([{ path: '**', children: [] }]),
        { provide: APOLLO_TESTING_CACHE, useFactory: createCache },
        // The parts of AuthService and GraphqlSocket the panel reads, without a server behind.
        { provide: AuthService, useValue: { signedIn } },
        { provide: GraphqlSocket, useValue: { reconnected$: reconnected.asObservable() } },
        { provide: MatSnackBar, useValue: snackBar },
      ],
    });
    controller = TestBed.inject(ApolloTestingController);
  });

  afterEach(() => controller.verify());

  /** The panel for stream-1 with its subscription open and its history answered. */
  const render = async (
    history: ChatMessageFieldsFragment[],
    inputs: { canChat?: boolean; moderator?: boolean } = {},
  ) => {
    const fixture = TestBed.createComponent(ChatPanelComponent);
    fixture.componentRef.setInput('streamId', 'stream-1');
    for (const [name, value] of Object.entries(inputs)) fixture.componentRef.setInput(name, value);
    await settle(fixture);
    const live = controller.expectOne('ChatMessageAdded');
    expect(live.operation.variables).toEqual({ streamId: 'stream-1' });
    const historyQuery = controller.expectOne('ChatMessages');
    expect(historyQuery.operation.variables).toEqual({ streamId: 'stream-1', limit: 50 });
    historyQuery.flushData({ chatMessages: history });
    controller.expectOne('ChatReactions').flushData({ chatReactions: [...CHAT_REACTIONS] });
    await settle(fixture);
    const element = fixture.nativeElement as HTMLElement;
    const rows = () => [...element.querySelectorAll<HTMLElement>('[data-testid=chat-message]')];
    const bodies = () => rows().map((row) => row.querySelector('.body')?.textContent);
    const push = async (message: ChatMessageFieldsFragment) => {
      live.flushData({ chatMessage: message });
      await settle(fixture);
    };
    return { fixture, element, live, rows, bodies, push };
  };

  it('shows the history oldest first, then live messages, each once', async () => {
    const { rows, bodies, push } = await render([
      chatMessage('2', 'second'),
      chatMessage('1', 'first', { author: bob }),
    ]);
    expect(bodies()).toEqual(['first', 'second']);
    expect(rows()[0]?.querySelector('.author')?.textContent).toBe('Bob');
    expect(rows()[0]?.querySelector('.time')?.textContent).toBe('10:01');

    await push(chatMessage('3', 'live one'));
    // The same message again (live and in the history): still shown once.
    await push(chatMessage('2', 'second'));
    expect(bodies()).toEqual(['first', 'second', 'live one']);
    expect(rows().map((row) => row.getAttribute('data-message-id'))).toEqual(['1', '2', '3']);
  });

  it('says so when nobody has written yet', async () => {
    const { element } = await render([]);
    expect(element.querySelector('[data-testid=chat-log]')?.textContent?.trim()).toBe(
      'No messages yet. Say hello!',
    );
  });

  it('highlights tips and marks alerts and emoji messages', async () => {
    const { rows } = await render([
      chatMessage('1', 'hello'),
      chatMessage('2', 'Ada tipped $25.00', {
        type: 'TIP',
        tip: { id: 't1', amountCents: 25_00, currency: 'USD', message: null },
      }),
      chatMessage('3', 'The stream is live', { type: 'ALERT', author: null }),
      chatMessage('4', '🚀', { type: 'EMOJI' }),
    ]);
    const [text, tip, alert, emoji] = rows();
    expect(tip?.classList.contains('tip')).toBe(true);
    expect(tip?.querySelector('mat-icon.tip-icon')?.textContent).toBe('paid');
    expect(text?.classList.contains('tip')).toBe(false);
    expect(text?.querySelector('mat-icon.tip-icon')).toBeNull();
    expect(alert?.classList.contains('alert')).toBe(true);
    expect(alert?.querySelector('.author')).toBeNull();
    expect(emoji?.classList.contains('emoji')).toBe(true);
  });

  it("writes a TIP line with the tipper's display name (never the username) and the amount", async () => {
    const { rows } = await render([
      chatMessage('1', 'ada_trader42 tipped $25.00: nice call', {
        type: 'TIP',
        author: { ...ada, username: 'ada_trader42', displayName: 'Ada Lovelace' },
        tip: { id: 't1', amountCents: 25_00, currency: 'USD', message: 'nice call' },
      }),
    ]);
    const row = rows()[0];
    expect(row?.querySelector('.author')?.textContent).toBe('Ada Lovelace');
    expect(row?.querySelector('[data-testid=chat-body]')?.textContent).toBe('tipped $25.00');
    expect(row?.querySelector('[data-testid=chat-tip-message]')?.textContent).toBe('nice call');
    expect(row?.textContent).not.toContain('ada_trader42');
  });

  it('shows a deleted message as removed, also when it is deleted while shown', async () => {
    const { rows, push } = await render([
      chatMessage('1', 'spam link', { deleted: true }),
      chatMessage('2', 'soon gone'),
    ]);
    expect(rows()[0]?.querySelector('[data-testid=chat-removed]')?.textContent).toBe(
      'message removed',
    );
    expect(rows()[0]?.textContent).not.toContain('spam link');
    expect(rows()[0]?.classList.contains('deleted')).toBe(true);
    expect(rows()[1]?.querySelector('[data-testid=chat-body]')?.textContent).toBe('soon gone');

    await push(chatMessage('2', 'soon gone', { deleted: true }));
    expect(rows()).toHaveLength(2);
    expect(rows()[1]?.querySelector('[data-testid=chat-removed]')).not.toBeNull();
    expect(rows()[1]?.textContent).not.toContain('soon gone');
  });

  it('renders a body as text: HTML in a message creates no element', async () => {
    const html = '<img src="x" onerror="alert(1)"><b>bold</b><script>alert(2)</script>';
    const { element, rows } = await render([chatMessage('1', html)]);
    const body = rows()[0]?.querySelector('[data-testid=chat-body]');
    expect(body?.textContent).toBe(html);
    expect(body?.children).toHaveLength(0);
    const log = element.querySelector('[data-testid=chat-log]');
    expect(log?.querySelectorAll('img, b, script')).toHaveLength(0);
  });

  it('asks anonymous users to sign in, and comes back to this page after', async () => {
    const router = TestBed.inject(Router);
    await router.navigateByUrl('/streams/stream-1?tab=chat');
    const { element } = await render([chatMessage('1', 'hi')]);
    const link = element.querySelector<HTMLAnchorElement>('[data-testid=chat-signin] a');
    expect(link?.textContent?.trim()).toBe('Sign in to chat');
    expect(link?.getAttribute('href')).toBe(
      '/signin?returnUrl=' + encodeURIComponent('/streams/stream-1?tab=chat'),
    );
    expect(element.querySelector('[data-testid=chat-input]')).toBeNull();
    expect(element.querySelector('.reactions')).toBeNull();
  });

  it('offers neither the composer nor the sign-in prompt when the stream is not live', async () => {
    const { element } = await render([chatMessage('1', 'hi')], { canChat: false });
    expect(element.querySelector('[data-testid=chat-signin]')).toBeNull();
    expect(element.querySelector('[data-testid=chat-input]')).toBeNull();
    // The history stays readable.
    expect(element.querySelector('[data-testid=chat-body]')?.textContent).toBe('hi');
  });

  describe('signed in', () => {
    beforeEach(() => signedIn.set(true));

    const typeAndSend = async (
      fixture: ComponentFixture<ChatPanelComponent>,
      element: HTMLElement,
      text: string,
    ) => {
      const input = element.querySelector<HTMLInputElement>('[data-testid=chat-input]');
      if (!input) throw new Error('no chat input');
      input.value = text;
      input.dispatchEvent(new Event('input'));
      await settle(fixture);
      element.querySelector('form.composer')?.dispatchEvent(new Event('submit'));
      await settle(fixture);
      return input;
    };

    it('sends the trimmed message, shows it and empties the input', async () => {
      const { fixture, element, bodies } = await render([chatMessage('1', 'hi')]);
      expect(element.querySelector('[data-testid=chat-signin]')).toBeNull();
      const input = await typeAndSend(fixture, element, '  buy the dip  ');

      const sent = controller.expectOne('SendChatMessage');
      expect(sent.operation.variables).toEqual({ streamId: 'stream-1', body: 'buy the dip' });
      expect(element.querySelector<HTMLButtonElement>('[data-testid=chat-send]')?.disabled).toBe(
        true,
      );
      sent.flushData({ sendChatMessage: chatMessage('2', 'buy the dip') });
      await settle(fixture);

      expect(bodies()).toEqual(['hi', 'buy the dip']);
      expect(input.value).toBe('');
      expect(element.querySelector<HTMLButtonElement>('[data-testid=chat-send]')?.disabled).toBe(
        false,
      );
    });

    it('does not send an empty message and says why', async () => {
      const { fixture, element } = await render([]);
      await typeAndSend(fixture, element, '   ');
      controller.expectNone('SendChatMessage');
      expect(element.querySelector('[data-testid=chat-error]')?.textContent).toBe(
        'Type a message first.',
      );
    });

    it('shows why the server refused a message and keeps the draft', async () => {
      const { fixture, element, bodies } = await render([]);
      const input = await typeAndSend(fixture, element, 'hello again');
      controller
        .expectOne('SendChatMessage')
        .graphqlErrors([
          { message: 'Slow mode is on: wait 3 s', extensions: { code: ErrorCode.RATE_LIMITED } },
        ]);
      await settle(fixture);
      expect(element.querySelector('[data-testid=chat-error]')?.textContent).toBe(
        'Too many requests: try again in 1 s.',
      );
      expect(input.value).toBe('hello again');
      expect(bodies()).toEqual([]);
    });

    it('sends a quick reaction as its emoji', async () => {
      const { fixture, element } = await render([]);
      const rocket = element.querySelector<HTMLButtonElement>('button[aria-label="Send 🚀"]');
      rocket?.click();
      await settle(fixture);
      const sent = controller.expectOne('SendChatMessage');
      expect(sent.operation.variables).toEqual({ streamId: 'stream-1', body: '🚀' });
      sent.flushData({ sendChatMessage: chatMessage('1', '🚀', { type: 'EMOJI' }) });
      await settle(fixture);
    });
  });

  it('after a reconnect, fetches what was said since the last message it has', async () => {
    const { fixture, bodies } = await render([chatMessage('1', 'a'), chatMessage('2', 'b')]);
    reconnected.next();
    await settle(fixture);
    const catchUp = controller.expectOne('ChatMessages');
    expect(catchUp.operation.variables).toEqual({ streamId: 'stream-1', after: '2', limit: 100 });
    catchUp.flushData({ chatMessages: [chatMessage('2', 'b'), chatMessage('3', 'c')] });
    await settle(fixture);
    expect(bodies()).toEqual(['a', 'b', 'c']);
  });

  describe('as moderator', () => {
    it('deletes a message from its menu and shows it as removed', async () => {
      const { fixture, rows } = await render([chatMessage('1', 'bad words')], { moderator: true });
      controller.expectOne('ChatSettings').flushData({
        chatSettings: { __typename: 'ChatSettings', streamId: 'stream-1', slowModeSeconds: 0 },
      });
      await settle(fixture);

      const trigger = rows()[0]?.querySelector<HTMLButtonElement>('[data-testid=moderate]');
      expect(trigger?.getAttribute('aria-label')).toBe('Moderate message from Ada');
      trigger?.click();
      await settle(fixture);
      document.querySelector<HTMLButtonElement>('[data-testid=delete-message]')?.click();
      await settle(fixture);

      const deletion = controller.expectOne('DeleteChatMessage');
      expect(deletion.operation.variables).toEqual({ messageId: '1' });
      deletion.flushData({ deleteChatMessage: chatMessage('1', 'bad words', { deleted: true }) });
      await settle(fixture);

      expect(rows()[0]?.querySelector('[data-testid=chat-removed]')).not.toBeNull();
      expect(rows()[0]?.querySelector('[data-testid=moderate]')).toBeNull();
      expect(snackBar.open).toHaveBeenCalledWith('Message deleted', undefined, { duration: 2500 });
    });

    const renderAsModerator = async (slowModeSeconds = 0) => {
      const rendered = await render([chatMessage('1', 'bad words', { author: bob })], {
        moderator: true,
      });
      const settings = controller.expectOne('ChatSettings');
      expect(settings.operation.variables).toEqual({ streamId: 'stream-1' });
      settings.flushData({
        chatSettings: { __typename: 'ChatSettings', streamId: 'stream-1', slowModeSeconds },
      });
      await settle(rendered.fixture);
      const menuItem = async (label: string) => {
        rendered.rows()[0]?.querySelector<HTMLButtonElement>('[data-testid=moderate]')?.click();
        await settle(rendered.fixture);
        [...document.querySelectorAll<HTMLButtonElement>('.mat-mdc-menu-panel button')]
          .find((button) => button.textContent?.includes(label))
          ?.click();
        await settle(rendered.fixture);
      };
      return { ...rendered, menuItem };
    };

    it('times the author out for 5 minutes and bans them from the message menu', async () => {
      const { fixture, menuItem } = await renderAsModerator();
      await menuItem('Time out 5 minutes');
      const timeout = controller.expectOne('TimeoutChatUser');
      expect(timeout.operation.variables).toEqual({
        streamId: 'stream-1',
        userId: 'u2',
        seconds: 300,
      });
      timeout.flushData({
        timeoutChatUser: { __typename: 'ChatModerationAction', id: 'a1', action: 'TIMEOUT' },
      });
      await settle(fixture);
      expect(snackBar.open).toHaveBeenCalledWith('Bob timed out for 5 minutes', undefined, {
        duration: 2500,
      });

      await menuItem('Ban from chat');
      const ban = controller.expectOne('BanChatUser');
      expect(ban.operation.variables).toEqual({ streamId: 'stream-1', userId: 'u2' });
      ban.graphqlErrors([
        { message: 'not your stream', extensions: { code: ErrorCode.FORBIDDEN } },
      ]);
      await settle(fixture);
      expect(snackBar.open).toHaveBeenLastCalledWith(
        'Only the streamer or an admin can moderate this chat.',
        'Dismiss',
        { duration: 5000 },
      );
    });

    it('shows the slow mode in force and changes it', async () => {
      const { fixture, element } = await renderAsModerator(30);
      const select = element.querySelector<HTMLElement>('[data-testid=slow-mode]');
      expect(select?.textContent?.trim()).toBe('30 s');
      select?.click();
      await settle(fixture);
      [...document.querySelectorAll<HTMLElement>('mat-option')]
        .find((option) => option.textContent?.trim() === '2 min')
        ?.click();
      await settle(fixture);
      const change = controller.expectOne('SetChatSlowMode');
      expect(change.operation.variables).toEqual({ streamId: 'stream-1', seconds: 120 });
      change.flushData({
        setChatSlowMode: { __typename: 'ChatSettings', streamId: 'stream-1', slowModeSeconds: 120 },
      });
      await settle(fixture);
      expect(snackBar.open).toHaveBeenCalledWith('Slow mode: one message per 120 s', undefined, {
        duration: 2500,
      });
      expect(select?.textContent?.trim()).toBe('2 min');
    });

    it('offers no moderation to viewers', async () => {
      const { rows, element } = await render([chatMessage('1', 'hi')]);
      expect(rows()[0]?.querySelector('[data-testid=moderate]')).toBeNull();
      expect(element.querySelector('[data-testid=slow-mode]')).toBeNull();
    });
  });
});
