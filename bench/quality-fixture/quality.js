// bench:quality pages (bench/quality.mjs): a simulcast publisher and a viewer that samples what
// it decodes. They use only the public signaling API (GraphQL over HTTP), like the web app.
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

/** The layers a simulcast publisher sends: quarter, half and full resolution. */
const LAYERS = [
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 600_000 },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 2_500_000 },
];

/**
 * Publishes the fake camera at 1280x720 with three simulcast layers; where the SFU's answer
 * cannot be applied (an SFU without simulcast answers without the RID header extension, which
 * Chromium refuses), closes that session and publishes one full-resolution layer instead, and
 * says so. The track is hinted 'detail' so that a busy CPU costs frame rate rather than
 * resolution: the bench reads layers by their height.
 */
window.publishSimulcast = async (streamId, token) => {
  const media = await navigator.mediaDevices.getUserMedia({
    video: { width: { exact: 1280 }, height: { exact: 720 }, frameRate: 30 },
    audio: true,
  });
  document.querySelector('video').srcObject = media;
  const attempt = async (encodings) => {
    const pc = new RTCPeerConnection();
    for (const track of media.getTracks()) {
      if (track.kind === 'video') {
        track.contentHint = 'detail';
        pc.addTransceiver(track, { direction: 'sendonly', sendEncodings: encodings });
      } else {
        pc.addTransceiver(track, { direction: 'sendonly' });
      }
    }
    const { publishStream } = await gql(
      'mutation($s: ID!, $sdp: String!) { publishStream(streamId: $s, sdp: $sdp) { sessionId sdp } }',
      { s: streamId, sdp: await gathered(pc) },
      token,
    );
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp: publishStream.sdp });
    } catch (error) {
      pc.close();
      await gql(
        'mutation($id: ID!) { closeMediaSession(sessionId: $id) }',
        { id: publishStream.sessionId },
        token,
      );
      throw error;
    }
    window.pc = pc;
  };
  try {
    await attempt(LAYERS);
    return { simulcast: true };
  } catch (error) {
    await attempt([{ maxBitrate: LAYERS[2].maxBitrate }]);
    return { simulcast: false, refused: String(error.message ?? error) };
  }
};

/**
 * Starts sampling what the publisher sends, per layer (rid), every 500 ms into
 * window.sent: bytes and frames sent, resolution, the encoder's target bitrate (what the
 * send-side bandwidth estimate allows) and the camera's frame rate.
 */
window.samplePublisher = () => {
  window.sent = [];
  setInterval(async () => {
    const reports = await window.pc.getStats();
    reports.forEach((report) => {
      if (report.type === 'outbound-rtp' && report.kind === 'video') {
        window.sent.push({
          t: Date.now(),
          rid: report.rid ?? '-',
          bytes: report.bytesSent ?? 0,
          frames: report.framesEncoded ?? 0,
          height: report.frameHeight ?? 0,
          targetKbps: (report.targetBitrate ?? 0) / 1000,
          cameraFps: reports.get(report.mediaSourceId)?.framesPerSecond ?? 0,
          limitation: report.qualityLimitationReason,
        });
      }
    });
  }, 500);
};

/**
 * Plays the stream and samples the decoded video every 100 ms into window.samples (wall-clock
 * time, bytes received, frames decoded, frame height). `auto`: ask for adaptive layers
 * (playStream's quality: AUTO) when the server offers the argument.
 */
window.play = async (streamId, auto) => {
  const video = document.querySelector('video');
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  pc.ontrack = (event) => {
    video.srcObject = event.streams[0] ?? new MediaStream([event.track]);
  };
  window.pc = pc;
  window.samples = [];
  window.connection = [];
  pc.addEventListener('connectionstatechange', () =>
    window.connection.push({ t: Date.now(), state: pc.connectionState }),
  );
  const mutation = auto
    ? 'mutation($s: ID!, $sdp: String!) { playStream(streamId: $s, sdp: $sdp, quality: AUTO) { sessionId sdp } }'
    : 'mutation($s: ID!, $sdp: String!) { playStream(streamId: $s, sdp: $sdp) { sessionId sdp } }';
  const { playStream } = await gql(mutation, { s: streamId, sdp: await gathered(pc) });
  await pc.setRemoteDescription({ type: 'answer', sdp: playStream.sdp });
  const sample = async () => {
    let entry = { t: Date.now(), bytes: 0, frames: 0, height: 0, width: 0 };
    (await pc.getStats()).forEach((report) => {
      if (report.type === 'inbound-rtp' && report.kind === 'video') {
        entry = {
          t: entry.t,
          bytes: report.bytesReceived ?? 0,
          frames: report.framesDecoded ?? 0,
          height: report.frameHeight ?? 0,
          width: report.frameWidth ?? 0,
        };
      }
    });
    window.samples.push(entry);
  };
  window.sampler = setInterval(() => void sample(), 100);
  return playStream.sessionId;
};
