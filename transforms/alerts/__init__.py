"""The alerts domain's pure part: rule parameters and rules (frames in, observations out)."""
