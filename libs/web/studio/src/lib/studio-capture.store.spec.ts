import { captureErrorMessage } from './studio-capture.store';

describe('captureErrorMessage', () => {
  it('tells the streamer to allow access when the browser was refused it', () => {
    const refused = Object.assign(new Error('denied'), { name: 'NotAllowedError' });
    expect(captureErrorMessage(refused)).toBe(
      'Camera or screen access was refused. Allow it in the browser and try again.',
    );
  });

  it('says no device is there for any other failure', () => {
    expect(captureErrorMessage(Object.assign(new Error('x'), { name: 'NotFoundError' }))).toBe(
      'No camera or screen available.',
    );
    expect(captureErrorMessage('not an error')).toBe('No camera or screen available.');
  });
});
