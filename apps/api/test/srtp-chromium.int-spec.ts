// werift's AES_CM_128_HMAC_SHA1_80 cipher is patched (patches/werift+0.25.2.patch). Chromium is
// the other end that matters: it negotiates this profile with the SFU. A Chromium page sends a
// canvas to a werift peer, which decrypts it (patched SRTP unprotect) and sends it straight back
// (patched protect): Chromium must decode what comes back, and read werift's receiver reports
// (patched SRTCP) as a round-trip time.
import type { Browser } from 'playwright-core';
import { MediaStreamTrack, RTCPeerConnection } from 'werift';

import { describeWithBrowser, launchChromium } from './support/chromium';

interface PageStats {
  srtpCipher?: string;
  packetsReceived?: number;
  framesDecoded?: number;
  roundTripTime?: number;
}

declare global {
  interface Window {
    srtpPeer: globalThis.RTCPeerConnection;
  }
}

describeWithBrowser('SRTP with Chromium (patched werift cipher)')(
  'SRTP with Chromium (patched werift cipher)',
  () => {
    let browser: Browser;
    let peer: RTCPeerConnection | undefined;

    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await peer?.close();
      await browser?.close();
    });

    it('negotiates AES_CM_128_HMAC_SHA1_80; Chromium decodes what werift protects and reads its SRTCP reports', async () => {
      const page = await browser.newPage();
      const offer = await page.evaluate(async () => {
        // window's: this module's `RTCPeerConnection` is werift's (the page runs a copy of this code).
        const pc = new window.RTCPeerConnection();
        window.srtpPeer = pc;
        const canvas = document.createElement('canvas');
        canvas.width = 320;
        canvas.height = 180;
        const context = canvas.getContext('2d');
        if (!context) throw new Error('no 2d canvas');
        let frame = 0;
        setInterval(() => {
          context.fillStyle = `hsl(${(frame++ * 37) % 360} 80% 50%)`;
          context.fillRect(0, 0, 320, 180);
        }, 33);
        pc.addTransceiver(canvas.captureStream(30).getVideoTracks()[0], { direction: 'sendrecv' });
        pc.ontrack = ({ track }) => {
          const video = document.createElement('video');
          video.muted = true;
          video.srcObject = new MediaStream([track]);
          document.body.appendChild(video);
          void video.play();
        };
        await pc.setLocalDescription(await pc.createOffer());
        await new Promise<void>((resolve) => {
          if (pc.iceGatheringState === 'complete') resolve();
          pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
        });
        return pc.localDescription?.sdp ?? '';
      });

      const werift = new RTCPeerConnection({ iceAdditionalHostAddresses: ['127.0.0.1'] });
      peer = werift;
      let decrypted = 0;
      const echo = new MediaStreamTrack({ kind: 'video' });
      peer.ontrack = ({ track }) => {
        track.onReceiveRtp.subscribe((rtp) => {
          decrypted++;
          echo.writeRtp(rtp);
        });
      };
      await peer.setRemoteDescription({ type: 'offer', sdp: offer });
      await peer.getTransceivers()[0].sender.replaceTrack(echo);
      await peer.setLocalDescription(await peer.createAnswer());
      if (peer.iceGatheringState !== 'complete') {
        await new Promise<void>((resolve) =>
          werift.iceGatheringStateChange.subscribe((state) => state === 'complete' && resolve()),
        );
      }
      await page.evaluate(
        (sdp) => window.srtpPeer.setRemoteDescription({ type: 'answer', sdp }),
        werift.localDescription?.sdp ?? '',
      );

      const read = () =>
        page.evaluate(async () => {
          const out: PageStats = {};
          (await window.srtpPeer.getStats()).forEach((s: Record<string, unknown>) => {
            if (s['type'] === 'transport') out.srtpCipher = s['srtpCipher'] as string;
            if (s['type'] === 'inbound-rtp') {
              out.packetsReceived = s['packetsReceived'] as number;
              out.framesDecoded = s['framesDecoded'] as number;
            }
            if (s['type'] === 'remote-inbound-rtp')
              out.roundTripTime = s['roundTripTime'] as number;
          });
          return out;
        });
      let stats: PageStats = {};
      for (let i = 0; i < 100; i++) {
        stats = await read();
        if ((stats.framesDecoded ?? 0) >= 30 && stats.roundTripTime !== undefined) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(stats.srtpCipher).toBe('SRTP_AES128_CM_HMAC_SHA1_80');
      expect(decrypted).toBeGreaterThanOrEqual(30);
      expect(stats.framesDecoded).toBeGreaterThanOrEqual(30);
      expect(stats.roundTripTime).toBeGreaterThan(0);
      // The cipher werift ran is the patched one.
      const transport = peer.dtlsTransports[0] as unknown as {
        srtp: { localContext: { cipher: object } };
      };
      expect(Object.keys(transport.srtp.localContext.cipher)).toContain('srtpKeystream');
    });
  },
);
