"""Post-processing of a finished MP4 that the request asks for: the last frame as a PNG, and
the MP4 without its audio track."""

from __future__ import annotations

import io

import av
import numpy as np

from reelflow.pipeline.generation.mux import decode_mp4


def last_frame_png(mp4: bytes) -> bytes:
    frame = np.ascontiguousarray(decode_mp4(mp4).frames[-1])  # (H, W, 3) uint8
    codec = av.CodecContext.create("png", "w")
    codec.width, codec.height, codec.pix_fmt = frame.shape[1], frame.shape[0], "rgb24"
    packets = codec.encode(av.VideoFrame.from_ndarray(frame, format="rgb24"))
    packets += codec.encode(None)
    return b"".join(bytes(packet) for packet in packets)


def without_audio(mp4: bytes) -> bytes:
    """Remux the video stream alone (no re-encoding)."""
    out = io.BytesIO()
    with av.open(io.BytesIO(mp4)) as source, av.open(out, "w", format="mp4") as target:
        video_in = source.streams.video[0]
        video_out = target.add_stream_from_template(video_in)
        for packet in source.demux(video_in):
            if packet.dts is None:  # the demuxer's flush packet
                continue
            packet.stream = video_out
            target.mux(packet)
    return out.getvalue()
