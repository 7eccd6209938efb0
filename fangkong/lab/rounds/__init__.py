"""Rounds and what they are run with: planning a round over areas, sampling points, labs, their
staff (added and removed), exemptions (免检) and closing a round."""
