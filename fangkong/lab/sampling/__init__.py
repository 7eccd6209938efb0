"""The sampling point: binding people to tubes (whole tubes, one or many per call), member checks,
personal sampling codes and the offline sampling page."""
