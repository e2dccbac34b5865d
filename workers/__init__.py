"""Haechi video analytics workers: stream → detect → track → rules → publish. No Django here."""
