/** Words of the studio that depend on a value, in the app's language. */

/** A device the browser gives no label (before permission): "Camera 2". */
export function deviceName(kind: 'camera' | 'microphone', n: number): string {
  return kind === 'camera'
    ? $localize`:@@studio.cameraN:Camera ${n}:n:`
    : $localize`:@@studio.microphoneN:Microphone ${n}:n:`;
}

/** The outgoing media connection, for the health tile: idle, a WebRTC state, or publishing again. */
export type PublisherConnection = RTCPeerConnectionState | 'idle' | 'reconnecting';

/** The state of the outgoing media connection, for the health tile. */
export function connectionLabel(state: PublisherConnection): string {
  switch (state) {
    case 'idle':
      return $localize`:@@studio.connection.idle:idle`;
    case 'new':
      return $localize`:@@studio.connection.new:new`;
    case 'connecting':
      return $localize`:@@studio.connection.connecting:connecting`;
    case 'connected':
      return $localize`:@@studio.connection.connected:connected`;
    case 'disconnected':
      return $localize`:@@studio.connection.disconnected:disconnected`;
    case 'failed':
      return $localize`:@@studio.connection.failed:failed`;
    case 'closed':
      return $localize`:@@studio.connection.closed:closed`;
    case 'reconnecting':
      return $localize`:@@studio.connection.reconnecting:Reconnecting…`;
  }
}
