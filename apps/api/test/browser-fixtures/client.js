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

window.publish = async (streamId, token) => {
  const media = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
  document.querySelector('video').srcObject = media;
  const pc = new RTCPeerConnection();
  for (const track of media.getTracks()) pc.addTransceiver(track, { direction: 'sendonly' });
  const { publishStream } = await gql(
    'mutation($s: ID!, $sdp: String!) { publishStream(streamId: $s, sdp: $sdp) { sessionId sdp } }',
    { s: streamId, sdp: await gathered(pc) },
    token,
  );
  await pc.setRemoteDescription({ type: 'answer', sdp: publishStream.sdp });
  window.pc = pc;
  return publishStream.sessionId;
};

window.play = async (streamId) => {
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
  if (window.pc) {
    (await window.pc.getStats()).forEach((report) => {
      if (report.type === 'inbound-rtp' && report.kind === 'video') {
        framesDecoded = report.framesDecoded ?? 0;
        keyFramesDecoded = report.keyFramesDecoded ?? 0;
      }
    });
  }
  return {
    videoWidth: video.videoWidth,
    framesDecoded,
    keyFramesDecoded,
    firstFrameMs: window.firstFrameMs,
  };
};
