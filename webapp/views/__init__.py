"""Blueprints, one per area; they parse input, call one service and render."""
