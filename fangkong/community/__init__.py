"""Community work under closure (issue 21 §1–§4): grids and who answers for each household,
door-to-door sweeps, restricted compounds and residents' requests with deadlines."""
