/**
 * The room's tiles while video is on its way (issue 15): a participant whose camera stream has
 * not shown a frame yet — a peer still connecting — shows their initials, not an empty tile.
 * A file of its own beside video-call-room.test.ts, on the stories' fixture session (the room's
 * public `session` property), so the stream's first frame is the test's to send.
 */
import { expect, fixture, html } from '@open-wc/testing';
import '../../src/define.ts';
import type { VideoCallRoom } from '../../src/elements/video-call-room/video-call-room.ts';
import { FixtureSession, person } from '../../stories/fixtures.ts';
import { until } from './support.ts';

describe('<video-call-room> tiles', () => {
  it('shows a connecting participant’s initials until their first video frame, then the video', async () => {
    // A camera that has sent nothing yet: a canvas stream gives a frame only when asked.
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 240;
    const camera = canvas.captureStream(0);
    const boris = { ...person(1), connection: 'connecting' as const, camera };
    const session = new FixtureSession({ participants: [person(0), boris] });
    const el = await fixture<VideoCallRoom>(html`<video-call-room lang="en" style="height: 480px" .session=${session}></video-call-room>`);
    const tile = () => el.shadowRoot!.querySelectorAll<HTMLElement>('[part~="tile"]')[1];
    expect(tile().getAttribute('aria-label')).to.equal('Boris Ivanov, Connecting…');
    const initials = tile().querySelector('[part~="avatar"] .initials');
    expect(initials?.textContent, 'the initials, not an empty tile').to.equal('BI');
    expect(initials!.getBoundingClientRect().width).to.be.at.least(48);

    const paint = canvas.getContext('2d')!;
    const video = tile().querySelector('video')!;
    await until(() => {
      // Frames until one has arrived (the first may be asked for before the video listens).
      paint.fillStyle = '#7c3aed';
      paint.fillRect(0, 0, canvas.width, canvas.height);
      // Chromium asks the track; Firefox has it on the stream (CanvasCaptureMediaStream).
      const track = camera.getVideoTracks()[0] as Partial<CanvasCaptureMediaStreamTrack>;
      if (track.requestFrame) track.requestFrame();
      else (camera as MediaStream & { requestFrame(): void }).requestFrame();
      return video.videoWidth > 0;
    }, 'Boris’s first frame');
    await until(() => !tile().querySelector('[part~="avatar"]'), 'the video in place of the initials');
    expect(video.hidden).to.equal(false);
    // Anna's own picture has frames of its own: her tile shows video, not initials.
    await until(() => !el.shadowRoot!.querySelector('[part~="tile"].local [part~="avatar"]'), 'your own video');
  });
});
