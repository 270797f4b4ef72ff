"""Deployment files (Dockerfile helpers, the image-steps check); not part of the wheel."""
