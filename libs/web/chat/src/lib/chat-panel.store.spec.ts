import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { MatSnackBar } from '@angular/material/snack-bar';
import { jest } from '@jest/globals';
import {
  APOLLO_TESTING_CACHE,
  ApolloTestingController,
  ApolloTestingModule,
} from 'apollo-angular/testing';
import { Subject } from 'rxjs';

import { CHAT_BODY_MAX_CODE_POINTS } from '@finserve/shared';
import { createCache, GraphqlSocket } from '@finserve/web/data-access';

import { cannotSendReason, ChatPanelStore } from './chat-panel.store';

/** Lets Apollo deliver what a test flushed (it answers asynchronously). */
const settle = () => new Promise((resolve) => setTimeout(resolve));

describe('cannotSendReason', () => {
  it('asks for a message when there is only white space', () => {
    expect(cannotSendReason('   ')).toBe('Type a message first.');
  });

  it('gives the limit when the message is too long (counted in characters, not UTF-16 units)', () => {
    expect(cannotSendReason('🚀'.repeat(CHAT_BODY_MAX_CODE_POINTS + 1))).toBe(
      `Messages are at most ${CHAT_BODY_MAX_CODE_POINTS} characters.`,
    );
  });

  it('blames the characters otherwise', () => {
    expect(cannotSendReason('hi\u0007')).toBe(
      'This message contains characters that cannot be sent.',
    );
  });
});

describe('ChatPanelStore', () => {
  let controller: ApolloTestingController;
  let store: ChatPanelStore;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      imports: [ApolloTestingModule],
      providers: [
        ChatPanelStore,
        { provide: APOLLO_TESTING_CACHE, useFactory: createCache },
        { provide: GraphqlSocket, useValue: { reconnected$: new Subject<void>() } },
        { provide: MatSnackBar, useValue: { open: jest.fn() } },
      ],
    });
    controller = TestBed.inject(ApolloTestingController);
    store = TestBed.inject(ChatPanelStore);
    TestBed.runInInjectionContext(() =>
      store.bind({ streamId: signal('stream-1'), moderator: signal(false) }),
    );
    TestBed.tick();
    await settle();
    controller.expectOne('ChatMessageAdded');
    controller.expectOne('ChatMessages').flushData({ chatMessages: [] });
    controller.expectOne('ChatReactions').flushData({ chatReactions: ['👍'] });
  });

  afterEach(() => controller.verify());

  it('refuses an empty message without asking the server, and says why', async () => {
    await expect(store.send('  ')).resolves.toBe(false);
    controller.expectNone('SendChatMessage');
    expect(store.error()).toBe('Type a message first.');
  });

  it('empties the draft once the message it held is sent, and shows the message', async () => {
    store.draft.set(' gm ');
    const sent = store.send(store.draft());
    expect(store.sending()).toBe(true);
    await settle();
    const mutation = controller.expectOne('SendChatMessage');
    expect(mutation.operation.variables).toEqual({ streamId: 'stream-1', body: 'gm' });
    mutation.flushData({
      sendChatMessage: {
        __typename: 'ChatMessage',
        id: '7',
        streamId: 'stream-1',
        type: 'TEXT',
        body: 'gm',
        deleted: false,
        createdAt: '2026-01-02T10:00:00.000Z',
        author: { __typename: 'User', id: 'u1', username: 'ada', displayName: 'Ada' },
        tip: null,
      },
    });
    await expect(sent).resolves.toBe(true);
    expect(store.draft()).toBe('');
    expect(store.sending()).toBe(false);
    expect(store.messages().map((message) => message.body)).toEqual(['gm']);
  });
});
