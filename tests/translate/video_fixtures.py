"""Video models of three families with different parameter sets, and one that publishes
nothing, for the translation tables."""

from app.catalog.video_models import VideoModel

VEO = VideoModel(
    "google/veo-3.1",
    durations=(4, 6, 8),
    resolutions=("720p", "1080p"),
    aspect_ratios=("16:9", "9:16"),
    frame_images=("first_frame", "last_frame"),
    generate_audio=True,
    seed=True,
)
SORA = VideoModel(
    "openai/sora-2-pro",
    durations=(4, 8, 12),
    sizes=("720x1280", "1280x720", "1024x1792", "1792x1024"),
    frame_images=("first_frame",),
)
SEEDANCE = VideoModel(
    "bytedance/seedance-2.5",
    durations=(5, 10),
    resolutions=("480p", "720p", "1080p"),
    aspect_ratios=("1:1", "4:3", "3:4", "16:9", "9:16", "21:9"),
    frame_images=("first_frame", "last_frame"),
    seed=True,
)
UNPUBLISHED = VideoModel("topaz/video-upscale")
