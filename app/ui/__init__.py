"""The app's screens (Flet 1.0 declarative components) and the plain state classes they render."""
