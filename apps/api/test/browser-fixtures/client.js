// Minimal WebRTC pages for the browser test of the media path (the real web app comes with the
// web issue): they use exactly the public signaling API (GraphQL over HTTP).
async function gql(query, variables, token) {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function gathered(pc) {
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== 'complete') {
    await new Promise((resolve) =>
      pc.addEventListener(
        'icegatheringstatechange',
        () => pc.iceGatheringState === 'complete' && resolve(),
      ),
    );
  }
  return pc.localDescription.sdp;
}

/**
 * Publishes the camera; `videoCodec` ('video/H264', ...) puts that codec first in the offer;
 * `contentHint` 'detail' makes Chromium keep 640x480 (and drop frame rate instead) when the
 * shared, busy CPU is short, for a test that checks the resolution through the SFU and recorder.
 */
window.publish = async (streamId, token, videoCodec, contentHint) => {
  const media = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
  document.querySelector('video').srcObject = media;
  if (contentHint) for (const track of media.getVideoTracks()) track.contentHint = contentHint;
  const pc = new RTCPeerConnection();
  for (const track of media.getTracks()) {
    const transceiver = pc.addTransceiver(track, { direction: 'sendonly' });
    if (videoCodec && track.kind === 'video') {
      const { codecs } = RTCRtpSender.getCapabilities('video');
      transceiver.setCodecPreferences([
        ...codecs.filter((c) => c.mimeType === videoCodec),
        ...codecs.filter((c) => c.mimeType !== videoCodec),
      ]);
    }
  }
  const { publishStream } = await gql(
    'mutation($s: ID!, $sdp: String!) { publishStream(streamId: $s, sdp: $sdp) { sessionId sdp } }',
    { s: streamId, sdp: await gathered(pc) },
    token,
  );
  await pc.setRemoteDescription({ type: 'answer', sdp: publishStream.sdp });
  window.pc = pc;
  return publishStream.sessionId;
};

/** The stream's state over graphql-ws (protocol graphql-transport-ws): the page shows "ended". */
function watchStatus(streamId) {
  const socket = new WebSocket(`ws://${location.host}/graphql`, 'graphql-transport-ws');
  socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  socket.onmessage = ({ data }) => {
    const message = JSON.parse(data);
    if (message.type === 'connection_ack') {
      socket.send(
        JSON.stringify({
          id: 'watch',
          type: 'subscribe',
          payload: {
            query: 'subscription($id: ID!) { watchStream(streamId: $id) { status } }',
            variables: { id: streamId },
          },
        }),
      );
    }
    if (message.type === 'next') {
      const { status } = message.payload.data.watchStream;
      document.body.dataset.status = status;
      document.querySelector('#status').textContent =
        status === 'ENDED' ? 'The stream has ended' : status;
    }
  };
}

window.play = async (streamId) => {
  watchStatus(streamId);
  const video = document.querySelector('video');
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  pc.ontrack = (event) => {
    video.srcObject = event.streams[0] ?? new MediaStream([event.track]);
  };
  window.pc = pc;
  // Time from the connection being up to the first decoded frame (what a viewer waits for).
  const watchFirstFrame = async () => {
    if (pc.connectionState !== 'connected' || window.connectedAt) return;
    window.connectedAt = performance.now();
    while (window.firstFrameMs === undefined) {
      const { framesDecoded } = await window.videoStats();
      if (framesDecoded > 0) window.firstFrameMs = performance.now() - window.connectedAt;
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  pc.addEventListener('connectionstatechange', watchFirstFrame);
  const { playStream } = await gql(
    'mutation($s: ID!, $sdp: String!) { playStream(streamId: $s, sdp: $sdp) { sessionId sdp } }',
    { s: streamId, sdp: await gathered(pc) },
  );
  await pc.setRemoteDescription({ type: 'answer', sdp: playStream.sdp });
  void watchFirstFrame();
  return playStream.sessionId;
};

/** What the test reads: decoded frames (inbound-rtp) and the element's size. */
window.videoStats = async () => {
  const video = document.querySelector('video');
  let framesDecoded = 0;
  let keyFramesDecoded = 0;
  let codec;
  if (window.pc) {
    const reports = await window.pc.getStats();
    reports.forEach((report) => {
      if (report.type === 'inbound-rtp' && report.kind === 'video') {
        framesDecoded = report.framesDecoded ?? 0;
        keyFramesDecoded = report.keyFramesDecoded ?? 0;
        codec = reports.get(report.codecId)?.mimeType;
      }
    });
  }
  return {
    videoWidth: video.videoWidth,
    framesDecoded,
    keyFramesDecoded,
    codec,
    firstFrameMs: window.firstFrameMs,
  };
};

// Glass-to-glass latency: the publisher paints the wall-clock time into each frame as 32 black or
// white blocks; the viewer reads the blocks back from every decoded frame and compares with its
// own clock (both pages run in one browser on one machine: one clock).
const BITS = 32;
const BLOCK = 20;

window.publishClock = async (streamId, token) => {
  const canvas = document.createElement('canvas');
  canvas.width = BITS * BLOCK;
  canvas.height = 120;
  const context = canvas.getContext('2d');
  const paint = () => {
    const now = Math.floor(Date.now()) % 2 ** BITS;
    for (let bit = 0; bit < BITS; bit++) {
      context.fillStyle = (now >>> (BITS - 1 - bit)) & 1 ? '#fff' : '#000';
      context.fillRect(bit * BLOCK, 0, BLOCK, canvas.height);
    }
    requestAnimationFrame(paint);
  };
  paint();
  const stream = canvas.captureStream(30);
  const pc = new RTCPeerConnection();
  for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly' });
  const { publishStream } = await gql(
    'mutation($s: ID!, $sdp: String!) { publishStream(streamId: $s, sdp: $sdp) { sessionId sdp } }',
    { s: streamId, sdp: await gathered(pc) },
    token,
  );
  await pc.setRemoteDescription({ type: 'answer', sdp: publishStream.sdp });
  window.pc = pc;
};

window.measureLatency = async (durationMs) => {
  const video = document.querySelector('video');
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  const samples = [];
  await new Promise((resolve) => {
    const deadline = performance.now() + durationMs;
    const onFrame = () => {
      if (video.videoWidth) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0);
        const block = canvas.width / BITS;
        let value = 0;
        for (let bit = 0; bit < BITS; bit++) {
          const [r, g, b] = context.getImageData(
            Math.floor(bit * block + block / 2),
            Math.floor(canvas.height / 2),
            1,
            1,
          ).data;
          value = ((value << 1) | (r + g + b > 382 ? 1 : 0)) >>> 0;
        }
        const latency = (Math.floor(Date.now()) % 2 ** BITS) - value;
        if (latency >= 0 && latency < 5000) samples.push(latency);
      }
      if (performance.now() < deadline) video.requestVideoFrameCallback(onFrame);
      else resolve();
    };
    video.requestVideoFrameCallback(onFrame);
  });
  samples.sort((a, b) => a - b);
  return {
    frames: samples.length,
    p50: samples[Math.floor(samples.length / 2)],
    p95: samples[Math.floor(samples.length * 0.95)],
    max: samples.at(-1),
  };
};
