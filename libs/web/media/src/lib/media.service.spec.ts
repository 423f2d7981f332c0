import { TestBed } from '@angular/core/testing';
import { ApolloTestingController, ApolloTestingModule } from 'apollo-angular/testing';

import { MediaService } from './media.service';

describe('MediaService.drops', () => {
  let controller: ApolloTestingController;
  let media: MediaService;

  beforeEach(() => {
    TestBed.configureTestingModule({ imports: [ApolloTestingModule] });
    controller = TestBed.inject(ApolloTestingController);
    media = TestBed.inject(MediaService);
  });
  afterEach(() => controller.verify());

  const event = (type: string, sessionId: string | null) => ({
    mediaEvents: { __typename: 'MediaEvent', type, streamId: 's1', sessionId },
  });

  it("subscribes to the session's events and emits the drop of this viewer's session once", () => {
    const seen: string[] = [];
    let completed = false;
    media.drops('v1', 'play').subscribe({
      next: (type) => seen.push(type),
      complete: () => (completed = true),
    });
    const operation = controller.expectOne('MediaSessionEvents');
    expect(operation.operation.variables).toEqual({ sessionId: 'v1' });
    operation.flushData(event('SESSION_CONNECTED', 'v1'));
    operation.flushData(event('PUBLISHER_GONE', 'p1'));
    operation.flushData(event('SESSION_CLOSED', 'v2'));
    expect(seen).toEqual([]);
    operation.flushData(event('SESSION_CLOSED', 'v1'));
    expect(seen).toEqual(['SESSION_CLOSED']);
    expect(completed).toBe(true);
  });

  it("emits PUBLISHER_GONE of the publisher's own session, not of the one it replaced", () => {
    const seen: string[] = [];
    media.drops('p2', 'publish').subscribe((type) => seen.push(type));
    const operation = controller.expectOne('MediaSessionEvents');
    operation.flushData(event('PUBLISHER_GONE', 'p1'));
    expect(seen).toEqual([]);
    operation.flushData(event('PUBLISHER_GONE', 'p2'));
    expect(seen).toEqual(['PUBLISHER_GONE']);
  });

  it('completes without a drop when the events cannot be had', () => {
    const seen: string[] = [];
    let completed = false;
    media.drops('v1', 'play').subscribe({
      next: (type) => seen.push(type),
      complete: () => (completed = true),
    });
    controller.expectOne('MediaSessionEvents').networkError(new Error('socket gone'));
    expect(seen).toEqual([]);
    expect(completed).toBe(true);
  });
});
