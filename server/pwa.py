"""Serves the web app in pwa/ (plain files, no build step) at the site root."""
import os

from flask import Blueprint, current_app, send_from_directory

pwa = Blueprint("pwa", __name__)


def _pwa_dir() -> str:
    return current_app.config.get("PWA_DIR") or os.path.join(os.path.dirname(current_app.root_path), "pwa")


@pwa.get("/")
def index():
    response = send_from_directory(_pwa_dir(), "index.html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@pwa.get("/<path:filename>")
def asset(filename: str):
    response = send_from_directory(_pwa_dir(), filename)
    response.headers["Cache-Control"] = "no-cache"
    return response
