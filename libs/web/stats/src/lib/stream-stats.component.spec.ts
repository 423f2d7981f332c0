import { Directive, input } from '@angular/core';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import {
  APOLLO_TESTING_CACHE,
  ApolloTestingController,
  ApolloTestingModule,
} from 'apollo-angular/testing';
import type { ChartConfiguration } from 'chart.js';
import { BaseChartDirective } from 'ng2-charts';

import { createCache } from '@finserve/web/data-access';

import { PlatformStatsComponent } from './platform-stats.component';
import { StreamStatsComponent } from './stream-stats.component';

/** Lets Apollo deliver what a test flushed (it answers asynchronously), then renders. */
async function settle(fixture: ComponentFixture<unknown>): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve));
  await fixture.whenStable();
}

/**
 * jsdom has no canvas to draw on (getContext is not implemented), so Chart.js cannot render here:
 * this stands in for ng2-charts' directive and keeps what the page hands to the chart.
 */
@Directive({ selector: 'canvas[baseChart]' })
class ChartStubDirective {
  readonly type = input<string>();
  readonly data = input<ChartConfiguration['data']>();
  readonly options = input<ChartConfiguration['options']>();
}

const money = (amountCents: number) => ({ __typename: 'MoneyTotal', amountCents, currency: 'USD' });

function chartOf(fixture: ComponentFixture<unknown>): ChartStubDirective {
  const canvas = fixture.debugElement.query((node) => node.name === 'canvas');
  return canvas.injector.get(ChartStubDirective);
}

function tiles(element: HTMLElement): Record<string, string | undefined> {
  return Object.fromEntries(
    [...element.querySelectorAll('fs-stat-tile')].map((tile) => [
      tile.querySelector('.label')?.textContent,
      tile.querySelector('.value')?.textContent,
    ]),
  );
}

describe('stats pages', () => {
  let controller: ApolloTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      imports: [ApolloTestingModule],
      providers: [provideRouter([]), { provide: APOLLO_TESTING_CACHE, useFactory: createCache }],
    });
    for (const component of [StreamStatsComponent, PlatformStatsComponent]) {
      TestBed.overrideComponent(component, {
        remove: { imports: [BaseChartDirective] },
        add: { imports: [ChartStubDirective] },
      });
    }
    controller = TestBed.inject(ApolloTestingController);
  });

  afterEach(() => controller.verify());

  describe('StreamStatsComponent', () => {
    const stream = (stats: Record<string, unknown> = {}) => ({
      __typename: 'Stream',
      id: 's1',
      title: 'Opening bell',
      status: 'ENDED',
      streamer: { __typename: 'User', id: 'u1', username: 'ada', displayName: 'Ada' },
      stats: {
        __typename: 'StreamStats',
        durationSeconds: 3661,
        peakViewers: 57,
        uniqueViewers: 130,
        averageConcurrentViewers: 12.345,
        averageWatchSeconds: 245,
        totalWatchSeconds: 31_850,
        messageCount: 480,
        tipCount: 9,
        tipTotals: [money(1_234_56)],
        tipNetTotals: [money(1_172_83)],
        viewerTimeline: [
          { __typename: 'ViewerSample', at: '2026-03-02T09:30:00.000Z', viewers: 3 },
          { __typename: 'ViewerSample', at: '2026-03-02T09:35:00.000Z', viewers: 41 },
          { __typename: 'ViewerSample', at: '2026-03-02T09:40:00.000Z', viewers: 0 },
        ],
        ...stats,
      },
    });

    const render = async (answer: ReturnType<typeof stream>) => {
      const fixture = TestBed.createComponent(StreamStatsComponent);
      fixture.componentRef.setInput('id', 's1');
      await settle(fixture);
      const element = fixture.nativeElement as HTMLElement;
      expect(element.querySelector('mat-progress-bar')).not.toBeNull();
      const query = controller.expectOne('StreamStats');
      expect(query.operation.variables).toEqual({ id: 's1' });
      query.flushData({ stream: answer });
      await settle(fixture);
      return { fixture, element };
    };

    it('shows the figures of the stream, formatted', async () => {
      const { element } = await render(stream());
      expect(element.querySelector('mat-progress-bar')).toBeNull();
      expect(element.querySelector('h1')?.textContent?.replace(/\s+/g, ' ').trim()).toBe(
        'Opening bell · Ada',
      );
      expect(tiles(element)).toEqual({
        Duration: '1:01:01',
        'Peak viewers': '57',
        'Unique viewers': '130',
        'Avg. concurrent': '12.3',
        'Avg. watch time': '4:05',
        Messages: '480',
        Tips: '9',
        'Tips gross': '$1,234.56',
        'Tips net': '$1,172.83',
      });
      expect(element.querySelector('a')?.getAttribute('href')).toBe('/streams/s1');
    });

    it('shows $0.00 for a stream without tips', async () => {
      const { element } = await render(stream({ tipCount: 0, tipTotals: [], tipNetTotals: [] }));
      expect(tiles(element)).toMatchObject({
        Tips: '0',
        'Tips gross': '$0.00',
        'Tips net': '$0.00',
      });
    });

    it('hands the viewer timeline to a line chart: times in UTC, viewers as points', async () => {
      const { fixture } = await render(stream());
      const chart = chartOf(fixture);
      expect(chart.type()).toBe('line');
      expect(chart.data()?.labels).toEqual(['09:30', '09:35', '09:40']);
      expect(chart.data()?.datasets).toHaveLength(1);
      expect(chart.data()?.datasets[0]).toMatchObject({ label: 'Viewers', data: [3, 41, 0] });
      expect(chart.options()).toMatchObject({
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      });
    });
  });

  describe('PlatformStatsComponent', () => {
    const row = (id: string, name: string, watchHours: number, tips: number[]) => ({
      __typename: 'TopStreamer',
      streams: 3,
      watchHours,
      streamer: { __typename: 'User', id, username: name.toLowerCase(), displayName: name },
      tipTotals: tips.map(money),
    });

    const render = async (topStreamers: ReturnType<typeof row>[]) => {
      const fixture = TestBed.createComponent(PlatformStatsComponent);
      await settle(fixture);
      controller.expectOne('PlatformStats').flushData({
        platformStats: {
          __typename: 'PlatformStats',
          liveStreams: 2,
          totalStreams: 40,
          totalWatchHours: 123.456,
          averageStreamSeconds: 1830,
          tipTotals: [money(500_00)],
          platformFeeTotals: [money(25_00)],
          topStreamers,
        },
      });
      await settle(fixture);
      return { fixture, element: fixture.nativeElement as HTMLElement };
    };

    it('shows the platform figures and the top streamers in a table and a bar chart', async () => {
      const { fixture, element } = await render([
        row('u1', 'Ada', 10.456, [300_00]),
        row('u2', 'Bob', 2, []),
      ]);
      expect(tiles(element)).toEqual({
        'Live now': '2',
        Streams: '40',
        'Watch hours': '123.5',
        'Avg. stream': '30:30',
        Tips: '$500.00',
        'Platform fees': '$25.00',
      });
      const rows = [...element.querySelectorAll('tr[mat-row]')].map((tr) =>
        [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim()),
      );
      expect(rows).toEqual([
        ['Ada', '3', '10.46', '$300.00'],
        ['Bob', '3', '2.00', '$0.00'],
      ]);
      const chart = chartOf(fixture);
      expect(chart.type()).toBe('bar');
      expect(chart.data()?.labels).toEqual(['Ada', 'Bob']);
      expect(chart.data()?.datasets[0]?.data).toEqual([10.46, 2]);
    });

    it('says when there are no streams yet, without an empty chart', async () => {
      const { element } = await render([]);
      expect(element.querySelector('canvas')).toBeNull();
      expect(element.querySelector('table')).toBeNull();
      expect(element.textContent).toContain('No streams yet.');
    });
  });
});
