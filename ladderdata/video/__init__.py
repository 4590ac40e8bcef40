"""Reading and writing video files: frames at given times with their timestamps, fps and rotation."""

from ladderdata.video.reader import VideoError, VideoInfo, VideoReader, open_video

__all__ = ["VideoError", "VideoInfo", "VideoReader", "open_video"]
