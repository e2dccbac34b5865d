"""Behaviour rules: tracks + frames in, behaviour hits out (plugins: see registry.py)."""
