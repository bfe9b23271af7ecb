/** Shared by the three bench pages: the same camera constraints and first-frame timing. */
export const MEDIA: MediaStreamConstraints = {
  audio: true,
  video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 24 } },
};

/** Wall-clock time (ms) of the first decoded frame per remote peer. */
export const firstFrames: Record<string, number> = {};

/** Shows a remote stream and records when its first frame is decoded. */
export function watch(peerId: string, stream: MediaStream): void {
  const id = `video-${peerId}`;
  let video = document.getElementById(id) as HTMLVideoElement | null;
  if (!video) {
    video = document.createElement('video');
    video.id = id;
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    video.width = 160;
    document.body.append(video);
  }
  if (video.srcObject === stream) return;
  video.srcObject = stream;
  const element = video;
  element.requestVideoFrameCallback(() => {
    firstFrames[peerId] ??= Date.now();
  });
  void element.play().catch(() => undefined);
}
